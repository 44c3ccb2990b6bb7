"""A listener's library: playlists (private unless made public) and saved tracks, albums and artists."""

from encore.library._items import add_to_playlist, move_in_playlist, remove_from_playlist, replace_playlist_items
from encore.library._models import Playlist, PlaylistItem, SavedAlbum, SavedArtist, SavedTrack
from encore.library._playlists import (
    create_playlist,
    delete_playlist,
    get_playlist,
    list_playlists,
    playlist_items,
    update_playlist,
)
from encore.library._policy import MAX_ITEMS, MAX_PER_CALL, Access, Decision, moved, playlist_access
from encore.library._saved import (
    SavedKind,
    save_items,
    saved_albums,
    saved_artists,
    saved_status,
    saved_tracks,
    unsave_items,
)
from encore.library._views import PlaylistItemView, PlaylistView, SavedAlbumView, SavedArtistView, SavedTrackView

__all__ = [
    "MAX_ITEMS",
    "MAX_PER_CALL",
    "Access",
    "Decision",
    "Playlist",
    "PlaylistItem",
    "PlaylistItemView",
    "PlaylistView",
    "SavedAlbum",
    "SavedAlbumView",
    "SavedArtist",
    "SavedArtistView",
    "SavedKind",
    "SavedTrack",
    "SavedTrackView",
    "add_to_playlist",
    "create_playlist",
    "delete_playlist",
    "get_playlist",
    "list_playlists",
    "move_in_playlist",
    "moved",
    "playlist_access",
    "playlist_items",
    "remove_from_playlist",
    "replace_playlist_items",
    "save_items",
    "saved_albums",
    "saved_artists",
    "saved_status",
    "saved_tracks",
    "unsave_items",
    "update_playlist",
]
