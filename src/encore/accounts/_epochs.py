"""Sign out everywhere, by generation: every credential (session, device, OAuth token, listen token)
carries the generation it was issued under, and counts only while that is at least its account's
`signed_out_epoch` and the server's `everyone_from`. Signing out is then one write, and every credential
check (one clause in the query it already runs) refuses what came before, at the very next request.

Generations come from one counter (`auth_epochs.current`), bumped by each sign-out, so a credential
issued after a sign-out carries a number at least as large and stays good.

Signed stream URLs carry their generation too (`g`), but the byte path is too hot for a database read:
`StreamCutoffs` publishes each sign-out's generation on the shared-state port, and the byte path asks it
once per request (`alive`: one script run), so a revoked account's URLs stop at once instead of at their
expiry. Each worker keeps `alive`'s answers (`SharedState.arun_kept`) until a cutoff is written by anyone:
Redis reports the write to every worker's watch connection before it answers the sign-out's own write, and a
worker polls that connection before it uses a kept answer, so "at once" still means the next request on any
worker once the sign-out was answered (`encore.state._watch` says exactly when, and what happens while that
connection is down: every request asks Redis again)."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Integer, and_, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from encore.accounts._models import User
from encore.db import Base
from encore.state import Doc, Script, SharedState

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


_CUTOFFS = "signout:"  # every cutoff's key: a process keeps `alive`'s answers until Redis reports a write here
_EVERYONE = "signout:*"
_NO_TTL = (0.0, 0.0)  # `alive` writes nothing


def _cut_key(user_public_id: str) -> str:
    return f"signout:{user_public_id}"


def _alive_step(docs: list[Doc | None], args: Sequence[str | int]) -> tuple[list[Doc | None], list[int]]:
    generation = int(args[0])
    for doc in docs:  # a loop, not any() over a generator: this runs on every byte-path request
        if doc is not None and generation < int(doc.get("from", 0)):
            return docs, [0]
    return docs, [1]


# KEYS: the account's cutoff and everyone's; ARGV: their TTLs (unused: it writes nothing), the URL's generation.
# Answers {1} while the generation counts, {0} once either cutoff is above it. `_alive_step` is the same rule.
ALIVE = Script(
    "accounts.alive",
    """
local generation = tonumber(ARGV[3])
for i = 1, 2 do
  local raw = redis.call('GET', KEYS[i])
  if raw and generation < (tonumber(cjson.decode(raw)['from']) or 0) then return {0} end
end
return {1}
""",
    _alive_step,
)


class StreamCutoffs:
    """The generation below which an account's (or everyone's) stream URLs are refused, on the state port.
    A cutoff lives as long as a URL can (`ttl_s`, the stream URL TTL): older URLs have expired anyway."""

    def __init__(self, state: SharedState, *, ttl_s: float) -> None:
        self._state, self._ttl = state, ttl_s

    def cut(self, *, user_public_id: str | None, epoch: int) -> None:
        key = _EVERYONE if user_public_id is None else _cut_key(user_public_id)

        def raise_to(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
            was = int((docs[0] or {}).get("from", 0))
            return [{"from": max(was, epoch)}], None

        self._state.update([key], raise_to, ttl_s=[self._ttl])

    async def alive(self, *, user_public_id: str, generation: int) -> bool:
        """Does a URL of this generation still count? One script run reading both cutoffs, no database."""
        keys = (_cut_key(user_public_id), _EVERYONE)
        return (await self._state.arun_kept(ALIVE, keys, [generation], ttl_s=_NO_TTL, watch=_CUTOFFS))[0] == 1


def sign_out_account(session: Session, *, user_id: int, cutoffs: StreamCutoffs | None = None) -> None:
    """Every credential the account holds stops working at its next use; with `cutoffs`, its stream URLs too."""
    epoch = _bump(session)
    public = session.scalar(
        update(User).where(User.id == user_id).values(signed_out_epoch=epoch).returning(User.public_id)
    )
    if cutoffs is not None and public is not None:
        cutoffs.cut(user_public_id=public, epoch=epoch)


def sign_out_everyone(session: Session, *, cutoffs: StreamCutoffs | None = None) -> None:
    """Every credential of every account stops working at its next use (one row written)."""
    epoch = _bump(session, everyone_from=True)
    if cutoffs is not None:
        cutoffs.cut(user_public_id=None, epoch=epoch)


def live_credential(epoch: Mapped[int]) -> ColumnElement[bool]:
    """The clause each credential lookup adds (its query already has the account's `users` row)."""
    everyone = select(AuthEpoch.everyone_from).where(AuthEpoch.id == _ROW).scalar_subquery()
    return and_(epoch >= User.signed_out_epoch, epoch >= func.coalesce(everyone, 0))
