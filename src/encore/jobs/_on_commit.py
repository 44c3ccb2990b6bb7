"""Run a call once the transaction that wrote a row has committed: never at a savepoint's release, never after
the row was rolled back. How a job is queued only when its row can be seen by a worker."""

from collections.abc import Callable

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

_WAITING = "encore.jobs.on_commit"  # session.info: [(row, call)] for the session's transaction under way


def on_commit(session: Session, row: object, call: Callable[[], None]) -> None:
    """`call()` once `session`'s outermost transaction commits with `row` in it. SQLAlchemy's "after_commit" fires
    for a released savepoint (`begin_nested`) too, which commits nothing: a job queued then could start before
    its row is committed, and a worker would not find it (or the transaction could still roll it back). A
    rollback of the whole transaction forgets the call; so does one of a savepoint the row was written in (the
    row is transient again)."""
    waiting: list[tuple[object, Callable[[], None]]] | None = session.info.get(_WAITING)
    if waiting is None:
        waiting = session.info[_WAITING] = []
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_transaction_end", _ended)
    waiting.append((row, call))


def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer transaction has not committed
        return
    waiting: list[tuple[object, Callable[[], None]]] = session.info.get(_WAITING, [])
    due, waiting[:] = list(waiting), []
    for row, call in due:
        if inspect(row).persistent:
            call()


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one: committed (its calls made above) or rolled back
        session.info.get(_WAITING, []).clear()
