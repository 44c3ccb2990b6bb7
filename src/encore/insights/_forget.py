"""When plays enter or leave a listener's history, Wrapped follows.

Stored snapshots are reused until rebuilt, so a change drops every snapshot whose period holds a play it
added or deleted; the next read builds it again. An import drops them where it runs (`plays_changed`). A
deletion folds its months in its own transaction (`plays_forgotten`): a public share page never folds and
rebuilds from the rollups as they are, so rollups still holding a forgotten play would show it again.
Every other write (a reported play, a ListenBrainz listen, a match) only marks its month in
`history.RollupDirty`; the month's snapshots go when that mark is folded (`fold_marked`), which the periodic
fold task does for everyone every minute and every Wrapped read does for its listener first.
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from encore import history
from encore.insights import _year_tally as year_tally
from encore.insights._models import WrappedSnapshot
from encore.insights._period import periods_between
from encore.insights._shares import end_empty_shares

FOLD_CHUNK = 8  # months per transaction in `fold_everyone`: a heavy listener's month is a few ms to fold


def plays_changed(session: Session, *, user_id: int, first: datetime, last: datetime) -> int:
    """Plays of this listener from `first` to `last` were added or deleted: drop the Wrapped built
    before. Returns how many stored snapshots went."""
    return _drop(session, user_id, set(periods_between(first, last)))


def plays_forgotten(session: Session, *, user_id: int) -> int:
    """Plays of this listener were deleted in this transaction (history marked their months): fold those
    months now, in the same transaction, so no rollup, year or month tally or stored snapshot outlives the
    plays for any reader, and end the share links whose period has no listen left. Returns the months folded."""
    folded = fold_marked(session, user_id=user_id)
    end_empty_shares(session, user_id=user_id)
    return folded


def _drop(session: Session, user_id: int, periods: set[str]) -> int:
    result = session.execute(
        delete(WrappedSnapshot).where(WrappedSnapshot.user_id == user_id, WrappedSnapshot.period.in_(sorted(periods)))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def fold_marked(session: Session, *, user_id: int | None = None, limit: int | None = None) -> int:
    """Fold marked months into the rollups (one listener's, or everyone's; at most `limit`), drop the
    stored snapshots of the years and decades holding them and empty their tallies and their years', all in the
    caller's transaction (a fold killed mid-way changes none of them). Returns how many months were folded.
    Always fold through here, not `history.fold` alone, or a stored year tally would outlive its plays."""
    folded = history.fold(session, user_id=user_id, limit=limit)
    for uid in sorted({uid for uid, _ in folded}):  # a build storing meanwhile checks under it (`_store`)
        year_tally.lock_listener(session, uid)
    periods: dict[int, set[str]] = {}
    for uid, month in folded:
        start, _ = history.month_span(month)
        periods.setdefault(uid, set()).update(periods_between(start, start))
    # tallies before snapshots, the order a Wrapped read writes them in (no lock cycle on PostgreSQL)
    year_tally.invalidate(session, {(uid, key) for uid, month in folded for key in (month // 100, month)})
    for uid, labels in periods.items():
        _drop(session, uid, labels)
    return len(folded)


def fold_everyone(sessions: Callable[[], Session], *, user_id: int | None = None, per_commit: int = FOLD_CHUNK) -> int:
    """Fold every marked month (one listener's, or everyone's), `per_commit` months per short transaction
    so no transaction holds SQLite's write lock for long. The periodic fold task, imports and the batch
    call this; returns the months folded."""
    folded = 0
    while True:
        with sessions() as session, session.begin():
            done = fold_marked(session, user_id=user_id, limit=per_commit)
        folded += done
        if done < per_commit:
            return folded
