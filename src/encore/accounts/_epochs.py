"""Sign out everywhere, by generation: every credential (session, device, OAuth token, listen token)
carries the generation it was issued under, and counts only while that is at least its account's
`signed_out_epoch` and the server's `everyone_from`. Signing out is then one write, and every credential
check (one clause in the query it already runs) refuses what came before, at the very next request.

Generations come from one counter (`auth_epochs.current`), bumped by each sign-out, so a credential
issued after a sign-out carries a number at least as large and stays good."""

from sqlalchemy import ColumnElement, Integer, and_, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from encore.accounts._models import User
from encore.db import Base

_ROW = 1


class AuthEpoch(Base):
    """One row: the counter and the generation every credential of every account must have reached."""

    __tablename__ = "auth_epochs"
    id: Mapped[int] = mapped_column(primary_key=True)
    current: Mapped[int] = mapped_column(Integer, default=0)
    everyone_from: Mapped[int] = mapped_column(Integer, default=0)


def issue_epoch(session: Session) -> int:
    """The generation a credential made now carries."""
    return session.scalar(select(AuthEpoch.current).where(AuthEpoch.id == _ROW)) or 0


def _bump(session: Session, **also: object) -> int:
    """Next generation (one atomic UPDATE ... RETURNING, so concurrent sign-outs never share one)."""
    nxt = session.scalar(
        update(AuthEpoch).where(AuthEpoch.id == _ROW).values(current=AuthEpoch.current + 1).returning(AuthEpoch.current)
    )
    if nxt is None:  # a database made without the migration's row
        session.add(AuthEpoch(id=_ROW, current=1, everyone_from=0))
        session.flush()
        nxt = 1
    if also:
        session.execute(update(AuthEpoch).where(AuthEpoch.id == _ROW).values(**dict.fromkeys(also, nxt)))
    return nxt


def sign_out_account(session: Session, *, user_id: int) -> None:
    """Every credential the account holds stops working at its next use."""
    epoch = _bump(session)
    session.execute(update(User).where(User.id == user_id).values(signed_out_epoch=epoch))


def sign_out_everyone(session: Session) -> None:
    """Every credential of every account stops working at its next use (one row written)."""
    _bump(session, everyone_from=True)


def live_credential(epoch: Mapped[int]) -> ColumnElement[bool]:
    """The clause each credential lookup adds (its query already has the account's `users` row)."""
    everyone = select(AuthEpoch.everyone_from).where(AuthEpoch.id == _ROW).scalar_subquery()
    return and_(epoch >= User.signed_out_epoch, epoch >= func.coalesce(everyone, 0))
