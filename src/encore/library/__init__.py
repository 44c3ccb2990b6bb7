"""A listener's library: playlists (private unless made public) and saved tracks, albums and artists."""

from encore.library._album_lists import ALBUM_LISTS, album_list
from encore.library._annotations import Annotations, album_annotations, annotations
from encore.library._items import add_to_playlist, move_in_playlist, remove_from_playlist, replace_playlist_items
from encore.library._listening import (
    album_durations,
    artist_album_counts,
    catalogue_page,
    genre_song_counts,
    now_playing,
    random_tracks,
    saved_times,
    similar_tracks,
    top_tracks,
    tracks_by_genre,
)
from encore.library._models import Playlist, PlaylistItem, SavedAlbum, SavedArtist, SavedTrack
from encore.library._play_queue import (
    MAX_QUEUE,
    PlayQueue,
    PlayQueueEntry,
    PlayQueueView,
    get_play_queue,
    save_play_queue,
)
from encore.library._playlists import (
    create_playlist,
    delete_playlist,
    get_playlist,
    list_playlists,
    playlist_items,
    update_playlist,
)
from encore.library._policy import MAX_ITEMS, MAX_PER_CALL, Access, Decision, moved, playlist_access
from encore.library._popularity import play_counts, popularity
from encore.library._privacy import MIN_LISTENERS, enough_listeners
from encore.library._ratings import RatedKind, Rating, clear_ratings, ratings_for, set_rating
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
    "ALBUM_LISTS",
    "MAX_ITEMS",
    "MAX_PER_CALL",
    "MAX_QUEUE",
    "MIN_LISTENERS",
    "Access",
    "Annotations",
    "Decision",
    "PlayQueue",
    "PlayQueueEntry",
    "PlayQueueView",
    "Playlist",
    "PlaylistItem",
    "PlaylistItemView",
    "PlaylistView",
    "RatedKind",
    "Rating",
    "SavedAlbum",
    "SavedAlbumView",
    "SavedArtist",
    "SavedArtistView",
    "SavedKind",
    "SavedTrack",
    "SavedTrackView",
    "add_to_playlist",
    "album_annotations",
    "album_durations",
    "album_list",
    "annotations",
    "artist_album_counts",
    "catalogue_page",
    "clear_ratings",
    "create_playlist",
    "delete_playlist",
    "enough_listeners",
    "genre_song_counts",
    "get_play_queue",
    "get_playlist",
    "list_playlists",
    "move_in_playlist",
    "moved",
    "now_playing",
    "play_counts",
    "playlist_access",
    "playlist_items",
    "popularity",
    "random_tracks",
    "ratings_for",
    "remove_from_playlist",
    "replace_playlist_items",
    "save_items",
    "save_play_queue",
    "saved_albums",
    "saved_artists",
    "saved_status",
    "saved_times",
    "saved_tracks",
    "set_rating",
    "similar_tracks",
    "top_tracks",
    "tracks_by_genre",
    "unsave_items",
    "update_playlist",
]
