"""How much each track, album and artist is listened to, from the listens rolled up per track
(`history.TrackListens`, kept by triggers on `plays`): reads cost one row per item, never a scan of plays.

`popularity` is what the search index ranks by (`catalog.Popularity`). When verified streams exist
(the playback capability), ranking can read them instead: only this module changes.
"""

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.catalog import Track, TrackArtist
from encore.history import Play, TrackListens, visible


def play_counts(session: Session, *, user_id: int, track_ids: list[str]) -> dict[str, int]:
    """Public track id -> this listener's own listens (Subsonic's playCount, as Navidrome keeps it per user).
    Everyone's count would tell a listener how often someone else played a track nobody else plays (#15)."""
    if not track_ids:
        return {}
    rows = session.execute(
        select(Track.public_id, func.count(Play.id))
        .join(Play, Play.track_id == Track.id)
        .where(Track.public_id.in_(track_ids), Play.user_id == user_id, Play.is_listen.is_(True), visible())
        .group_by(Track.public_id)
    )
    return {pid: int(n) for pid, n in rows if n}


def popularity(session: Session, kind: str) -> Mapping[int, int]:
    """Entity id -> listens (an album's and an artist's are their tracks'); only the listened-to are listed."""
    listens = TrackListens.listens
    if kind == "track":
        query = select(TrackListens.track_id, listens).where(listens > 0)
    elif kind == "album":
        query = (
            select(Track.album_id, func.sum(listens))
            .join(Track, Track.id == TrackListens.track_id)
            .where(listens > 0)
            .group_by(Track.album_id)
        )
    else:
        query = (
            select(TrackArtist.artist_id, func.sum(listens))
            .join(TrackArtist, TrackArtist.track_id == TrackListens.track_id)
            .where(listens > 0)
            .group_by(TrackArtist.artist_id)
        )
    return {entity: int(n) for entity, n in session.execute(query)}
