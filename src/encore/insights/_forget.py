"""When plays leave a listener's history, what Wrapped derived from them goes too.

Stored snapshots are reused until rebuilt, so a deletion drops every snapshot whose period holds a
deleted play, in the deleting transaction; the next read builds it again from what is left.
"""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from encore.insights._models import WrappedSnapshot
from encore.insights._period import periods_between


def plays_removed(session: Session, *, user_id: int, first: datetime, last: datetime) -> int:
    """Plays of this listener from `first` to `last` were deleted: drop the Wrapped that counted them.
    Returns how many stored snapshots went."""
    periods = periods_between(first, last)
    result = session.execute(
        delete(WrappedSnapshot).where(WrappedSnapshot.user_id == user_id, WrappedSnapshot.period.in_(periods))
    )
    return int(getattr(result, "rowcount", 0) or 0)
