"""Snapshots are built by the batch job or on first request, stored, and reused until rebuilt."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from encore.accounts import User
from encore.insights import _queries as q
from encore.insights import _rollup_queries as rollups
from encore.insights import _year_tally as year_tally
from encore.insights._compute import ListenerCounts, build_snapshot
from encore.insights._forget import fold_everyone, fold_marked
from encore.insights._models import WrappedSnapshot
from encore.insights._period import FIRST_YEAR, Period, parse_period
from encore.insights._snapshot import Snapshot
from encore.kernel import NotFound


def available_periods(session: Session, *, user_id: int) -> list[str]:
    """The years with a listen, newest first, then their decades: every period offered has a story."""
    years = [y for y in q.listen_years(session, user_id=user_id) if y >= FIRST_YEAR]
    decades = sorted({y // 10 * 10 for y in years}, reverse=True)
    return [str(y) for y in years] + [f"{d}s" for d in decades]


def _save(
    session: Session, *, user_id: int, period: Period, snapshot: Snapshot, now: datetime, read: dict[int, int]
) -> None:
    """Insert or replace, in one statement: two requests building the same Wrapped at once both succeed.
    Not stored if a fold changed the period since the build began (`read`: `year_tally.generation`): a share
    page (which never folds) that read the rollups before a forget committed would otherwise store the
    forgotten plays after it, for every later reader. The build is still served once, as read."""
    if not year_tally.unchanged_since(session, user_id=user_id, years=period.years, read=read):
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"user_id": user_id, "period": snapshot.period, "built_at": now, "listens": snapshot.listens}
    statement = insert(WrappedSnapshot).values(**values, data=snapshot.to_json())
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "period"],
            set_={"built_at": now, "listens": snapshot.listens, "data": statement.excluded.data},
        )
    )


def rebuild(
    session: Session,
    *,
    user_id: int,
    period: Period,
    now: datetime,
    listener_counts: ListenerCounts | None = None,
    fold: bool = True,
    refresh: bool = True,
) -> Snapshot:
    """Build the listener's snapshot of `period` and store it (replacing any), in the caller's transaction.

    `fold`: first fold the months of plays reported since the last fold, in this transaction (a caller
    that wrote plays in it, a test, a job). A request should instead fold in its own short transaction
    first (`fold_everyone(sessions, user_id=...)`) and pass False, so the fold's locks are not held while
    the snapshot builds. `refresh`: build a decade's year tallies again rather than reuse the stored ones."""
    if fold:
        fold_marked(session, user_id=user_id)
    read = year_tally.generation(session, user_id=user_id, years=period.years)  # before the rollups
    snapshot = build_snapshot(
        session, user_id=user_id, period=period, now=now, listener_counts=listener_counts, refresh=refresh
    )
    _save(session, user_id=user_id, period=period, snapshot=snapshot, now=now, read=read)
    return snapshot


def get_wrapped(session: Session, *, user_id: int, period: str, now: datetime, fold: bool = True) -> Snapshot:
    """The stored snapshot, built on demand the first time (reusing the stored year tallies). Bad period
    labels raise NotFound.

    `fold`: fold the listener's months written since the last fold first, in the caller's transaction (as
    `rebuild`), which drops the snapshots they make stale, so their Wrapped is never older than their plays.
    The web face folds in its own transaction before and passes False; public share pages never fold (an
    anonymous reader takes no fold locks, and a share is at most the periodic fold's minute behind)."""
    parsed = parse_period(period, now=now)
    if fold:
        fold_marked(session, user_id=user_id)
    stored = session.scalar(
        select(WrappedSnapshot.data).where(WrappedSnapshot.user_id == user_id, WrappedSnapshot.period == parsed.label)
    )
    if stored is not None:
        return Snapshot.from_json(stored)
    return rebuild(session, user_id=user_id, period=parsed, now=now, fold=False, refresh=False)


def shared_counts(session_factory: Callable[[], Session]) -> ListenerCounts:
    """Per-artist listener counts computed once per (period, artist) and shared by every listener in a batch,
    from the rollups (a batch folds everyone's first; marked months are counted from their plays anyway):
    one scan of the monthly rollups instead of every play of the period."""
    cache: dict[tuple[str, int | None, str], list[int]] = {}

    def counts(period: Period, artist_id: int | None, name: str) -> list[int]:
        key = (period.label, artist_id, name if artist_id is None else "")
        if key not in cache:
            with session_factory() as session:
                cache[key] = rollups.artist_listeners(session, period=period, artist_id=artist_id, artist_name=name)
        return cache[key]

    return counts


def _listeners(session: Session, *, period: Period, username: str | None, shard: tuple[int, int]) -> list[int]:
    if username is None:
        index, of = shard
        return q.listeners_with_plays(session, period=period)[index::of]
    user_id = session.scalar(select(User.id).where(User.username_key == username.casefold()))
    if user_id is None:
        raise NotFound(f"no listener named {username!r}", code="no_user")
    return [user_id]


def build_all(
    session_factory: Callable[[], Session],
    *,
    period: str,
    now: datetime,
    username: str | None = None,
    shard: tuple[int, int] = (0, 1),
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Build and store `period` for every listener with plays in it (or one, by name; or every `of`-th from
    `index`, so processes can share a batch). Each listener's snapshot is computed in a read-only session and
    written in its own short transaction, so a long batch can be stopped and rerun, and parallel writers on
    SQLite never upgrade a stale read to a write. Returns how many snapshots were built."""
    parsed = parse_period(period, now=now)
    fold_everyone(session_factory)  # everyone's rollups exact first, a few months per transaction
    with session_factory() as session:
        users = _listeners(session, period=parsed, username=username, shard=shard)
    counts = shared_counts(session_factory)
    catalogue: dict[int, q.TrackInfo] = {}  # names of tracks already loaded for an earlier listener
    for built, user_id in enumerate(users, start=1):
        with session_factory() as session:
            read = year_tally.generation(session, user_id=user_id, years=parsed.years)
            snapshot = build_snapshot(
                session, user_id=user_id, period=parsed, now=now, listener_counts=counts, catalogue=catalogue,
                keep=False,
            )  # fmt: skip
            session.commit()  # a decade's year tallies built on the way (each one version-checked statement);
            # no month tallies: a batch reads each listener once, the month tallies pay off where they read again
        with session_factory() as session, session.begin():
            _save(session, user_id=user_id, period=parsed, snapshot=snapshot, now=now, read=read)
        if progress is not None:
            progress(built, len(users))
    return len(users)
