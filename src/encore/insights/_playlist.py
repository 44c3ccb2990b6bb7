"""The "Your top songs YEAR" playlist, made on request from a Wrapped's top 50 catalogue tracks.

Asked again for the same top songs it answers the playlist already made (as a mix's Save does): pressing Make
playlist twice filled the library with identical copies (probe25a L5). The build's playlist is the listener's
own of that name holding exactly those tracks in that order; once the top songs change (a rebuilt Wrapped), or
the listener renamed or edited it, a new one is made.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.catalog import Track
from encore.insights._snapshot import Snapshot
from encore.kernel import ValidationFailed
from encore.library import Playlist, PlaylistItem, PlaylistView, add_to_playlist, create_playlist, get_playlist


@dataclass(frozen=True)
class TopSongsPlaylist:
    playlist: PlaylistView
    created: bool  # False: the one made before for these top songs


def _made_before(session: Session, *, user_id: int, name: str, track_ids: list[str]) -> str | None:
    """The public id of the listener's playlist `name` holding exactly `track_ids`, in order (the newest)."""
    found = session.execute(
        select(Playlist.id, Playlist.public_id)
        .where(Playlist.owner_id == user_id, Playlist.name == name)
        .order_by(Playlist.id.desc())
    ).all()
    for playlist_id, public_id in found:
        held = session.scalars(
            select(Track.public_id)
            .join(PlaylistItem, PlaylistItem.track_id == Track.id)
            .where(PlaylistItem.playlist_id == playlist_id)
            .order_by(PlaylistItem.position)
        ).all()
        if list(held) == track_ids:
            return public_id
    return None


def make_top_songs_playlist(session: Session, *, user_id: int, snapshot: Snapshot, now: datetime) -> TopSongsPlaylist:
    if snapshot.nothing_played:  # "none of your top songs are in the catalogue" when there are no top songs
        raise ValidationFailed(
            f"No listening in {snapshot.period}: there are no top songs to save", code="nothing_played"
        )
    track_ids = [t.id for t in snapshot.top_tracks if t.id is not None]
    if not track_ids:
        raise ValidationFailed("none of your top songs are in Encore's catalogue", code="no_tracks")
    name = f"Your top songs {snapshot.period}"
    before = _made_before(session, user_id=user_id, name=name, track_ids=track_ids)
    if before is not None:
        return TopSongsPlaylist(get_playlist(session, playlist_id=before, viewer_id=user_id), created=False)
    playlist = create_playlist(
        session,
        owner_id=user_id,
        name=name,
        description=f"Your most played songs of {snapshot.period}, from Encore Wrapped.",
        now=now,
    )
    add_to_playlist(session, playlist_id=playlist.id, user_id=user_id, track_ids=track_ids, now=now)
    return TopSongsPlaylist(get_playlist(session, playlist_id=playlist.id, viewer_id=user_id), created=True)
