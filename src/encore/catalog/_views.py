"""Typed read models the catalogue hands to the faces (which map them to their wire shapes)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ArtistRef:
    id: str
    name: str
    role: str = "primary"


@dataclass(frozen=True)
class LabelRef:
    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class AlbumSummary:
    id: str
    title: str
    album_type: str
    release_date: date | None
    artists: list[ArtistRef]
    artwork_key: str | None
    label: LabelRef | None
    upc: str | None = None
    genres: list[str] = field(default_factory=list)
    total_tracks: int = 0
    duration_ms: int = 0  # of its music tracks
    playable: bool = True  # False once withdrawn by its label: kept in a listener's likes (catalog.unplayable_reason)
    created_at: datetime | None = None  # when it entered the catalogue (Subsonic's `created`: "recently added")


@dataclass(frozen=True)
class TrackView:
    id: str
    title: str
    duration_ms: int
    disc_number: int
    track_number: int
    explicit: bool
    isrc: str | None
    gain_db: float
    loudness_lufs: float | None
    artists: list[ArtistRef]
    album_id: str
    album_title: str
    artwork_key: str | None
    genres: list[str] = field(default_factory=list)
    # False once its label withdrew it (or its release) or it became ad audio: kept where a listener put it
    # (playlists, likes, the queue, history), never streamed (catalog.unplayable_reason)
    playable: bool = True
    year: int | None = None  # its release's year, where the release has a date
    created_at: datetime | None = None  # when it entered the catalogue
    size: int | None = None  # bytes of its stored vorbis160 file (what a plain stream or download sends)


@dataclass(frozen=True)
class AlbumPage:
    album: AlbumSummary
    tracks: list[TrackView]


@dataclass(frozen=True)
class ArtistSummary:
    id: str
    name: str
    artwork_key: str | None = None


@dataclass(frozen=True)
class ArtistPage:
    artist: ArtistSummary
    albums: list[AlbumSummary]
    appears_on: list[AlbumSummary]
    top_tracks: list[TrackView]


@dataclass(frozen=True)
class LabelSummary:
    id: str
    name: str
    kind: str
    album_count: int


@dataclass(frozen=True)
class LabelPage:
    label: LabelSummary
    albums: list[AlbumSummary]


@dataclass(frozen=True)
class GenreSummary:
    key: str
    name: str
    album_count: int


@dataclass(frozen=True)
class ArtistAlbum:
    """One of an artist's albums (`catalog.artist_albums`): `appears_on` when it is another's that they appear on."""

    album: AlbumSummary
    appears_on: bool


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class SearchResults:
    query: str
    artists: Page[ArtistSummary]
    albums: Page[AlbumSummary]
    tracks: Page[TrackView]
