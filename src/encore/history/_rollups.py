"""Per-listener monthly rollups of plays, so Wrapped reads a few thousand rows instead of every play.

Every writer of `plays` marks the (listener, UTC month) it touched in `rollup_dirty`, in its own
transaction: one small upsert, so the capture path stays a few statements. `fold` recomputes each marked
month from the plays themselves (delete the month's rollup rows, aggregate again) and clears the mark.
Recomputing, not adding deltas, makes every change exact by construction: a play whose ms_played grows,
a listen matched to the catalogue later, a forgotten play, a published import. A mark carries a generation
that every re-mark bumps, and `fold` clears only the generation it read, so a play written while a month
was folding leaves the mark for the next fold instead of being lost.

Keys are short: integers, and a 40-character sha1 of the text of an uncatalogued track.
"""

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    literal,
    null,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from encore.db import Base
from encore.history._imports import visible
from encore.history._models import Play

Month = int  # yyyymm, UTC: 202403


class RollupTrack(Base):
    """Listens (is_listen plays) and their milliseconds per listener, month and track. A catalogue track
    has its id and an empty text key; an uncatalogued one has track 0, the sha1 of its text as the key
    and the text itself (not in the key)."""

    __tablename__ = "rollup_tracks"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    # no foreign key: a track deleted from the catalogue reads as an unknown track, as its plays do
    track_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    listens: Mapped[int] = mapped_column(Integer)
    ms: Mapped[int] = mapped_column(BigInteger)  # a file may claim huge ms_played: sums stay exact
    artist_name: Mapped[str | None] = mapped_column(String(512))
    track_name: Mapped[str | None] = mapped_column(String(512))
    release_name: Mapped[str | None] = mapped_column(String(512))


class RollupHour(Base):
    """Per listener and UTC hour: listens, and milliseconds of every play (skips too), as Wrapped's
    clock counts them."""

    __tablename__ = "rollup_hours"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    listens: Mapped[int] = mapped_column(Integer)
    ms: Mapped[int] = mapped_column(BigInteger)  # a file may claim huge ms_played: sums stay exact


class RollupDirty(Base):
    """A (listener, month) whose plays changed since its rollups were last folded."""

    __tablename__ = "rollup_dirty"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)


def month_of(at: datetime) -> Month:
    at = at if at.tzinfo is None else at.astimezone(UTC)
    return at.year * 100 + at.month


def months_between(first: datetime, last: datetime) -> list[Month]:
    """Every month from `first` to `last`, both included."""
    a, b = month_of(first), month_of(last)
    out, y, m = [], a // 100, a % 100
    while y * 100 + m <= b:
        out.append(y * 100 + m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_span(month: Month) -> tuple[datetime, datetime]:
    y, m = divmod(month, 100)
    return datetime(y, m, 1, tzinfo=UTC), datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC)


def text_key(artist: str | None, track: str | None, release: str | None) -> str:
    """A fixed-length key for the exact text of an uncatalogued listen (None and "" kept apart)."""
    parts = ["\x00" if p is None else p for p in (artist, track, release)]
    return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def mark(session: Session, keys: Iterable[tuple[int, Month]]) -> None:
    """Note that these (listener, month) pairs changed; in the caller's transaction."""
    rows = [{"user_id": u, "month": m, "generation": 1} for u, m in sorted(set(keys))]
    if not rows:
        return
    conn = session.connection()  # Core, not session.execute: this also runs inside a flush
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = upsert(RollupDirty).on_conflict_do_update(
        index_elements=["user_id", "month"], set_={"generation": RollupDirty.generation + 1}
    )
    conn.execute(statement, rows)


def mark_plays(session: Session, plays: Iterable[tuple[int, datetime]]) -> None:
    """Mark the months of these (listener, started at) plays."""
    mark(session, {(u, month_of(at)) for u, at in plays})


@event.listens_for(Session, "after_flush")
def _mark_flushed_plays(session: Session, _context: object) -> None:
    """Plays written through the ORM (a reported play, a test's rows) mark their months by themselves;
    bulk statements on `plays` mark theirs where they run (insert_new_plays, forget, match)."""
    touched = {
        (obj.user_id, obj.started_at)
        for obj in itertools.chain(session.new, session.dirty, session.deleted)
        if isinstance(obj, Play) and obj.user_id is not None and obj.started_at is not None
    }
    if touched:
        mark_plays(session, touched)


def mark_span(session: Session, *, user_id: int, first: datetime, last: datetime) -> None:
    mark(session, ((user_id, m) for m in months_between(first, last)))


def _fold_one(session: Session, user_id: int, month: Month) -> None:
    start, end = month_span(month)
    where = [Play.user_id == user_id, Play.started_at >= start, Play.started_at < end, visible()]
    listens = [*where, Play.is_listen.is_(True)]
    conn = session.connection()
    conn.execute(delete(RollupTrack).where(RollupTrack.user_id == user_id, RollupTrack.month == month))
    conn.execute(delete(RollupHour).where(RollupHour.user_id == user_id, RollupHour.month == month))
    # set-based (issue #17): the database groups and writes each month's rows itself (INSERT ... SELECT),
    # no row crosses into Python but an uncatalogued track's text, to be keyed, where SQLite cannot key it
    conn.execute(
        insert(RollupTrack).from_select(
            _TRACK_COLUMNS,
            select(
                literal(user_id),
                literal(month),
                Play.track_id,
                literal(""),
                func.count(),
                func.coalesce(func.sum(Play.ms_played), 0),
                null(),
                null(),
                null(),
            )
            .where(*listens, Play.track_id.is_not(None))
            .group_by(Play.track_id),
        )
    )
    _fold_text(conn, user_id, month, listens)
    day, hour = _day_hour(conn.dialect.name)
    # grouped by the database: a month of a heavy listener is thousands of plays, ≤ 744 groups
    conn.execute(
        insert(RollupHour).from_select(
            ["user_id", "month", "day", "hour", "listens", "ms"],
            select(
                literal(user_id),
                literal(month),
                day,
                hour,
                func.coalesce(func.sum(case((Play.is_listen.is_(True), 1), else_=0)), 0),
                func.coalesce(func.sum(Play.ms_played), 0),
            )
            .where(*where)
            .group_by(day, hour),
        )
    )


_TRACK_COLUMNS = [
    "user_id", "month", "track_id", "text_key", "listens", "ms", "artist_name", "track_name", "release_name"
]  # fmt: skip
_KEY_SQL = "encore_text_key"  # text_key, on a SQLite connection


def _fold_text(conn: Connection, user_id: int, month: Month, listens: list[ColumnElement[bool]]) -> None:
    """The month's uncatalogued listens, one row per exact text. On SQLite the database calls text_key
    itself (a function given to the connection, no row fetched); PostgreSQL has no sha1 of its own (pgcrypto
    is an extension), so there the groups come to Python to be keyed, fetched at once and written by the
    driver's executemany: a month of a heavy or imported history is tens of thousands of groups."""
    text = (Play.artist_name, Play.track_name, Play.release_name)
    count, ms = func.count(), func.coalesce(func.sum(Play.ms_played), 0)
    if conn.dialect.name == "sqlite":
        driver: Any = conn.connection.driver_connection  # sqlite3.Connection
        driver.create_function(_KEY_SQL, 3, text_key, deterministic=True)
        keyed = select(literal(user_id), literal(month), literal(0), getattr(func, _KEY_SQL)(*text), count, ms, *text)
        conn.execute(
            insert(RollupTrack).from_select(
                _TRACK_COLUMNS, keyed.where(*listens, Play.track_id.is_(None)).group_by(*text)
            )
        )
        return
    groups = conn.execute(select(*text, count, ms).where(*listens, Play.track_id.is_(None)).group_by(*text)).all()
    rows = [(user_id, month, 0, text_key(a, t, r), int(n), int(m), a, t, r) for a, t, r, n, m in groups]
    _insert(conn, _TRACKS_SQL, rows)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    # built once from constant names; every value is a bound parameter ("{mark}" filled per paramstyle)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['{mark}'] * len(columns))})"  # noqa: S608


_TRACKS_SQL = _insert_sql("rollup_tracks", tuple(_TRACK_COLUMNS))


def _insert(conn: Connection, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
    if rows:
        conn.exec_driver_sql(sql.format(mark="?" if conn.dialect.paramstyle == "qmark" else "%s"), rows)


def _day_hour(dialect: str) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The UTC day of the month and hour of a play's start, on either database (SQLite keeps UTC text,
    "YYYY-MM-DD HH:MM:SS")."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", Play.started_at)
        return cast(func.extract("day", utc), Integer), cast(func.extract("hour", utc), Integer)
    return cast(func.substr(Play.started_at, 9, 2), Integer), cast(func.substr(Play.started_at, 12, 2), Integer)


def fold(session: Session, *, user_id: int | None = None, limit: int | None = None) -> list[tuple[int, Month]]:
    """Recompute the rollups of marked months (one listener's, or everyone's), in the caller's transaction;
    `limit` bounds the work of one call. Returns the (listener, month) pairs folded."""
    query = select(RollupDirty.user_id, RollupDirty.month, RollupDirty.generation).order_by(
        RollupDirty.user_id, RollupDirty.month
    )
    if user_id is not None:
        query = query.where(RollupDirty.user_id == user_id)
    if limit is not None:
        query = query.limit(limit)
    # PostgreSQL: a fold running at the same time (the periodic one, another read) holds these marks until
    # it commits; waiting for it, then finding its marks gone, beats folding a month twice (a duplicate
    # key) or reading its rollups half-written. SQLite has one writer at a time anyway (and no FOR UPDATE).
    marks = list(session.execute(query.with_for_update()))
    for uid, month, generation in marks:
        _fold_one(session, uid, month)
        session.execute(
            delete(RollupDirty).where(
                RollupDirty.user_id == uid, RollupDirty.month == month, RollupDirty.generation == generation
            )
        )
    return [(int(uid), int(month)) for uid, month, _ in marks]


def pending_folds(session: Session, *, user_id: int | None = None) -> int:
    query = select(func.count()).select_from(RollupDirty)
    if user_id is not None:
        query = query.where(RollupDirty.user_id == user_id)
    return int(session.scalar(query) or 0)
