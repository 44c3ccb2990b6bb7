"""Radio and autoplay: what plays next after a track, an artist, an album, a playlist, or a queue that ran out.
Read from the stored neighbours, so one decision is a few indexed reads (bench/discovery/radio.py)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import library
from encore.catalog import Track, listed_id, music_track
from encore.discovery._answers import POOL, artist_tracks, genres_of, playable, popular_in_genres
from encore.discovery._service import similar_track_ids
from encore.kernel import NotFound, ValidationFailed, is_public_id

KINDS = ("track", "artist", "album", "playlist")
PLAYLIST_SEEDS = 100


def radio_seeds(session: Session, *, user_id: int, kind: str, public_id: str) -> list[int]:
    """The tracks a radio starts from; NotFound for what the catalogue does not list or the listener cannot see."""
    if kind == "track":
        return [listed_id(session, "track", public_id)]
    if kind == "artist":
        return artist_tracks(session, listed_id(session, "artist", public_id))
    if kind == "album":
        album = listed_id(session, "album", public_id)
        return list(session.scalars(select(Track.id).where(Track.album_id == album, music_track()).order_by(Track.id)))
    if kind == "playlist":
        page = library.playlist_items(session, playlist_id=public_id, viewer_id=user_id, limit=PLAYLIST_SEEDS, offset=0)
        return [t for t in (_listed_track(session, item.track.id) for item in page.items) if t is not None]
    raise ValidationFailed(f"radio starts from one of: {', '.join(KINDS)}", code="bad_radio")


def _listed_track(session: Session, public_id: str) -> int | None:
    """A playlist may keep a track since delisted, or an ad: the radio starts from the rest."""
    try:
        return listed_id(session, "track", public_id)
    except NotFound:
        return None


def next_tracks(
    session: Session, *, user_id: int | None, seeds: Sequence[int], exclude: Sequence[int], limit: int, now: datetime
) -> list[int]:
    """Tracks like the seeds (the latest weigh most), none of `exclude`, all playable by the listener now;
    when the seeds have no neighbours (nobody played near them), the popular tracks of their genres."""
    weights = {t: 1.0 / (1 + rank) for rank, t in enumerate(reversed(list(seeds)))}
    skip = frozenset(exclude) | frozenset(weights)
    ranked = similar_track_ids(session, seeds=weights, limit=POOL, exclude=skip)
    for genres in (genres_of(session, list(weights)), None):  # the seeds' genres, then anything popular
        if len(ranked) >= limit:
            break
        popular = popular_in_genres(session, genre_ids=genres, limit=limit * 4 + len(skip))
        ranked += [t for t in popular if t not in skip and t not in ranked]
    allowed = playable(session, user_id=user_id, track_ids=ranked[: limit * 4], now=now)
    return [t for t in ranked if t in allowed][:limit]


def queue_track_ids(session: Session, public_ids: Sequence[str]) -> list[int]:
    """Row ids of the music tracks among `public_ids`, in order (a queue may hold ids since removed)."""
    wellformed = [p for p in public_ids if is_public_id(p)]  # never text a query cannot hold (NUL)
    listed = select(Track.public_id, Track.id).where(Track.public_id.in_(wellformed), music_track())
    rows: dict[str, int] = {row.public_id: row.id for row in session.execute(listed)}
    return [rows[p] for p in public_ids if p in rows]
