"""Top tracks and artists over Spotify's three time ranges, and recently played with cursors.

Counted from `plays` rows that count as a listen (the ListenBrainz rule), so skips never rank.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from encore.catalog import Track, TrackArtist
from encore.history._imports import visible
from encore.history._models import Play
from encore.kernel import ValidationFailed

TIME_RANGES: dict[str, timedelta | None] = {
    "short_term": timedelta(weeks=4),
    "medium_term": timedelta(days=183),
    "long_term": None,  # everything Encore has heard
}


@dataclass(frozen=True)
class Ranked:
    entity_id: int  # internal track or artist id
    listens: int


@dataclass(frozen=True)
class RecentPlay:
    track_id: int
    played_at: datetime
    context_type: str | None
    context_id: str | None


def _since(time_range: str, now: datetime) -> datetime | None:
    if time_range not in TIME_RANGES:
        raise ValidationFailed("time_range must be short_term, medium_term or long_term", code="bad_time_range")
    span = TIME_RANGES[time_range]
    return now - span if span is not None else None


def _listens(user_id: int, since: datetime | None) -> list[ColumnElement[bool]]:
    where = [Play.user_id == user_id, Play.is_listen.is_(True), Play.track_id.is_not(None), visible()]
    if since is not None:
        where.append(Play.started_at >= since)
    return where


def top_tracks(
    session: Session, *, user_id: int, time_range: str, limit: int, offset: int, now: datetime
) -> tuple[list[Ranked], int]:
    where = _listens(user_id, _since(time_range, now))
    n = func.count().label("n")
    grouped = select(Play.track_id, n).where(*where).group_by(Play.track_id)
    total = session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    rows = session.execute(grouped.order_by(n.desc(), func.max(Play.started_at).desc()).limit(limit).offset(offset))
    return [Ranked(int(track_id or 0), int(count)) for track_id, count in rows], total


def top_artists(
    session: Session, *, user_id: int, time_range: str, limit: int, offset: int, now: datetime
) -> tuple[list[Ranked], int]:
    where = _listens(user_id, _since(time_range, now))
    n = func.count().label("n")
    grouped = (
        select(TrackArtist.artist_id, n)
        .join(Track, Track.id == TrackArtist.track_id)
        .join(Play, Play.track_id == Track.id)
        .where(*where)
        .group_by(TrackArtist.artist_id)
    )
    total = session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    rows = session.execute(grouped.order_by(n.desc(), TrackArtist.artist_id).limit(limit).offset(offset))
    return [Ranked(int(artist_id), int(count)) for artist_id, count in rows], total


def recently_played(
    session: Session, *, user_id: int, limit: int, before: datetime | None = None, after: datetime | None = None
) -> list[RecentPlay]:
    """Newest first. `before` / `after` are exclusive bounds on when a play started (Spotify's cursors)."""
    if before is not None and after is not None:
        raise ValidationFailed("give before or after, not both", code="bad_cursor")
    query = select(Play).where(Play.user_id == user_id, Play.track_id.is_not(None), visible())
    if before is not None:
        query = query.where(Play.started_at < before)
    if after is not None:
        query = query.where(Play.started_at > after)
    rows = session.scalars(query.order_by(Play.started_at.desc(), Play.id.desc()).limit(limit))
    return [RecentPlay(int(p.track_id or 0), p.started_at, p.context_type, p.context_id) for p in rows]
