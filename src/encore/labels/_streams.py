"""Counted streams per track per day, and buy-link clicks, for one label's dashboard."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, select
from sqlalchemy.orm import Session

from encore.catalog import Album, Track
from encore.kernel import ValidationFailed
from encore.playback import VerifiedStream
from encore.retail import click_counts

MAX_DAYS = 366


@dataclass(frozen=True)
class TrackDays:
    track_id: str
    title: str
    total: int
    days: dict[date, int]


def streams_per_day(session: Session, *, label_id: int, since: date, until: date) -> list[TrackDays]:
    """Days are UTC, [since, until] inclusive. Only verified streams count (30 s of the track's audio that
    Encore sent the listener, once per play), never what a client reported. Counted by the database, one row
    per track and day (review20 F4: a year of a label's streams, one row each, was 1.2 s of Python per call)."""
    if until < since or (until - since).days >= MAX_DAYS or until >= date.max:
        raise ValidationFailed(f"give a range of 1 to {MAX_DAYS} days", code="bad_range")
    from_at = datetime(since.year, since.month, since.day, tzinfo=UTC)
    to_at = datetime(until.year, until.month, until.day, tzinfo=UTC) + timedelta(days=1)
    day = _utc_day(session.get_bind().dialect.name)
    rows = session.execute(
        select(Track.public_id, Track.title, day, func.count())
        .select_from(VerifiedStream)
        .join(Track, Track.id == VerifiedStream.track_id)
        .join(Album, Album.id == Track.album_id)
        .where(
            Album.label_id == label_id,
            VerifiedStream.first_byte_at >= from_at,
            VerifiedStream.first_byte_at < to_at,
        )
        .group_by(Track.id, Track.public_id, Track.title, day)
    )
    days: dict[str, dict[date, int]] = defaultdict(dict)
    titles: dict[str, str] = {}
    for public_id, title, on, n in rows:
        titles[public_id] = title
        days[public_id][on if isinstance(on, date) else date.fromisoformat(on)] = int(n)
    out = [TrackDays(t, titles[t], sum(d.values()), dict(sorted(d.items()))) for t, d in days.items()]
    return sorted(out, key=lambda x: (-x.total, x.title, x.track_id))


def _utc_day(dialect: str) -> ColumnElement[Any]:
    """A verified stream's UTC day: a date on PostgreSQL (whatever the session's TimeZone), "YYYY-MM-DD" on
    SQLite, which keeps UTC text ("YYYY-MM-DD HH:MM:SS.ffffff", as `history`'s rollups read it)."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", VerifiedStream.first_byte_at), Date)
    return func.substr(VerifiedStream.first_byte_at, 1, 10)


def buy_clicks(session: Session, *, label_id: int) -> dict[str, int]:
    return click_counts(session, label_id=label_id)
