"""Whether listeners already have a track as music: then it never becomes ad audio (`ads.create_campaign`).

"Music never becomes an ad" cannot read a label alone: an operator's own files carry no label tag and no
publish row, exactly like an advertiser's spot (review26a L2: an admin's campaign on such a listed song took it
out of the catalogue, and out of every save, playlist and history that held it). What tells a song from a spot
is that listeners reached it as music: a verified stream (heard, and paid for), a play in any history (a
scrobble or an import matched to it too), a save of it or of its album, a rating, a playlist item. A spot is
uploaded and made a campaign before anyone has any of these; a song that has one is refused with the first
reason found. A listed track nobody reached yet is not told apart: the campaign takes it as it takes a spot.
"""

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from encore.catalog import Track
from encore.history import Play
from encore.library import PlaylistItem, Rating, SavedAlbum, SavedTrack
from encore.playback._verified import VerifiedStream


def _evidence(track: Track) -> list[tuple[Select[int], str]]:
    """Each way listeners hold the track, cheapest first, stopped at the first row. Streams, plays and playlist
    items are indexed probes; saves and ratings are keyed by listener first, so those two may read their tables
    (review26c L1): once per campaign made, a rare admin action, so no index is kept for it."""
    return [
        (
            select(VerifiedStream.id).where(VerifiedStream.track_id == track.id),
            "has verified streams as music (listeners heard it, and its streams are paid)",
        ),
        (select(Play.id).where(Play.track_id == track.id), "is in listeners' play histories"),
        (select(PlaylistItem.id).where(PlaylistItem.track_id == track.id), "is in a listener's playlist"),
        (select(SavedTrack.track_id).where(SavedTrack.track_id == track.id), "is saved in a listener's library"),
        (select(SavedAlbum.album_id).where(SavedAlbum.album_id == track.album_id), "has its album saved by a listener"),
        (
            select(Rating.item_id).where(and_(Rating.kind == "track", Rating.item_id == track.id)),
            "is rated by a listener",
        ),
    ]


def heard_as_music(session: Session, track_id: int) -> str | None:
    """How listeners have this track as music (a clause: "is in a listener's playlist"), or None when nobody
    does. A de-identified stream or a play of a deleted account counts: the track was heard as music."""
    track = session.get_one(Track, track_id)
    for query, reason in _evidence(track):
        if session.scalar(query.limit(1)) is not None:
            return reason
    return None
