"""How much each track, album and artist is listened to, as others may see it (#15, hole 5's class).

`popularity` is what the search index ranks by (`catalog.Popularity`). A track's listens count only once
`MIN_LISTENERS` distinct listeners played it (`_privacy`); below that it ranks like an unplayed track, so
a track one or two people play cannot be picked out by its rank. The rolled-up `history.TrackListens`
narrows the plays read to tracks with at least that many listens (fewer listens cannot be enough listeners).
"""

from collections.abc import Mapping

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session

from encore.catalog import Track, TrackArtist
from encore.history import Play, TrackListens, visible
from encore.library._privacy import MIN_LISTENERS


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


def derivable_listens() -> Subquery:
    """(track_id, listens) for tracks at least MIN_LISTENERS distinct listeners played; others have no row."""
    busy = select(TrackListens.track_id).where(TrackListens.listens >= MIN_LISTENERS)
    return (
        select(Play.track_id.label("track_id"), func.count(Play.id).label("listens"))
        .where(Play.is_listen.is_(True), Play.track_id.in_(busy), visible())
        .group_by(Play.track_id)
        .having(func.count(func.distinct(Play.user_id)) >= MIN_LISTENERS)
        .subquery()
    )


def popularity(session: Session, kind: str) -> Mapping[int, int]:
    """Entity id -> listens (an album's and an artist's are their tracks'); only tracks with enough distinct
    listeners count, and only entities with counted listens are listed."""
    counted = derivable_listens()
    if kind == "track":
        query = select(counted.c.track_id, counted.c.listens)
    elif kind == "album":
        query = (
            select(Track.album_id, func.sum(counted.c.listens))
            .join(Track, Track.id == counted.c.track_id)
            .group_by(Track.album_id)
        )
    else:
        query = (
            select(TrackArtist.artist_id, func.sum(counted.c.listens))
            .join(TrackArtist, TrackArtist.track_id == counted.c.track_id)
            .group_by(TrackArtist.artist_id)
        )
    return {entity: int(n) for entity, n in session.execute(query)}
