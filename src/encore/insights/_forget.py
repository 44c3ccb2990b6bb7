"""When plays enter or leave a listener's history in bulk (an import, a deletion), Wrapped follows.

Stored snapshots are reused until rebuilt, so the change drops every snapshot whose period holds a play
it added or deleted (a deletion does it in its own transaction); the next read builds it again.
"""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from encore.insights._models import WrappedSnapshot
from encore.insights._period import periods_between


def plays_changed(session: Session, *, user_id: int, first: datetime, last: datetime) -> int:
    """Plays of this listener from `first` to `last` were added or deleted: drop the Wrapped built
    before. Returns how many stored snapshots went."""
    periods = periods_between(first, last)
    result = session.execute(
        delete(WrappedSnapshot).where(WrappedSnapshot.user_id == user_id, WrappedSnapshot.period.in_(periods))
    )
    return int(getattr(result, "rowcount", 0) or 0)
