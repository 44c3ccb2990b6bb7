"""Typed read models the library hands to the faces."""

from dataclasses import dataclass
from datetime import datetime

from encore.catalog import AlbumSummary, ArtistSummary, TrackView


@dataclass(frozen=True)
class PlaylistView:
    id: str
    name: str
    description: str
    public: bool
    owner_id: int
    owner_public_id: str
    owner_name: str  # what another person sees (`accounts.public_name`), never the login name
    snapshot_id: str
    total_tracks: int
    duration_ms: int
    artwork_key: str | None
    created_at: datetime
    updated_at: datetime
    # of its tracks that may still be streamed (catalog.unplayable_reason): what a client that omits the
    # others (Subsonic) counts
    playable_tracks: int = 0
    playable_ms: int = 0


@dataclass(frozen=True)
class PlaylistItemView:
    position: int
    added_at: datetime
    track: TrackView


@dataclass(frozen=True)
class SavedTrackView:
    saved_at: datetime
    track: TrackView


@dataclass(frozen=True)
class SavedAlbumView:
    saved_at: datetime
    album: AlbumSummary


@dataclass(frozen=True)
class SavedArtistView:
    saved_at: datetime
    artist: ArtistSummary
