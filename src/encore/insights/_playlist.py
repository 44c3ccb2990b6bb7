"""The "Your top songs YEAR" playlist, made on request from a Wrapped's top 50 catalogue tracks."""

from datetime import datetime

from sqlalchemy.orm import Session

from encore.insights._snapshot import Snapshot
from encore.kernel import ValidationFailed
from encore.library import PlaylistView, add_to_playlist, create_playlist, get_playlist


def make_top_songs_playlist(session: Session, *, user_id: int, snapshot: Snapshot, now: datetime) -> PlaylistView:
    if snapshot.nothing_played:  # "none of your top songs are in the catalogue" when there are no top songs
        raise ValidationFailed(
            f"No listening in {snapshot.period}: there are no top songs to save", code="nothing_played"
        )
    track_ids = [t.id for t in snapshot.top_tracks if t.id is not None]
    if not track_ids:
        raise ValidationFailed("none of your top songs are in Encore's catalogue", code="no_tracks")
    playlist = create_playlist(
        session,
        owner_id=user_id,
        name=f"Your top songs {snapshot.period}",
        description=f"Your most played songs of {snapshot.period}, from Encore Wrapped.",
        now=now,
    )
    add_to_playlist(session, playlist_id=playlist.id, user_id=user_id, track_ids=track_ids, now=now)
    return get_playlist(session, playlist_id=playlist.id, viewer_id=user_id)
