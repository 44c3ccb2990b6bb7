"""Spotify Web API object shapes (pydantic, for validation of output and for /docs)."""

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
ID_EXAMPLE = "4uLU6hMCjMI75M1A2tKUQC"


class Image(BaseModel):
    url: str = Field(examples=["https://encore.example/art/5f2c.../640.jpg"])
    height: int | None = None
    width: int | None = None


class ExternalUrls(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"description": "Links to Encore's player. `spotify` is kept for client compatibility."}
    )
    encore: str
    spotify: str


class Followers(BaseModel):
    href: None = None
    total: int = 0


class ArtistSimple(BaseModel):
    external_urls: ExternalUrls
    href: str
    id: str = Field(examples=[ID_EXAMPLE])
    name: str
    type: Literal["artist"] = "artist"
    uri: str = Field(examples=[f"spotify:artist:{ID_EXAMPLE}"])


class Artist(ArtistSimple):
    followers: Followers = Field(default_factory=Followers)
    genres: list[str] = []
    images: list[Image] = []
    popularity: int = 0


AlbumType = Literal["album", "single", "compilation"]  # Spotify's; the catalogue's `ep` is a single (_shapes)
AlbumGroup = Literal["album", "single", "compilation", "appears_on"]


class AlbumSimple(BaseModel):
    album_type: AlbumType = Field(examples=["album"])
    total_tracks: int
    available_markets: list[str] = []
    external_urls: ExternalUrls
    href: str
    id: str
    images: list[Image]
    name: str
    release_date: str | None = Field(examples=["2024-03-01"])
    release_date_precision: Literal["year", "month", "day"] = "day"
    type: Literal["album"] = "album"
    uri: str
    artists: list[ArtistSimple]
    album_group: AlbumGroup | None = Field(
        None, description="On an artist's albums: the artist's relation to it (`appears_on`: another's album)."
    )


class TrackSimple(BaseModel):
    artists: list[ArtistSimple]
    available_markets: list[str] = []
    disc_number: int
    duration_ms: int
    explicit: bool
    external_urls: ExternalUrls
    href: str
    id: str
    is_local: bool = False
    is_playable: bool = True
    name: str
    preview_url: str | None = None
    track_number: int
    type: Literal["track"] = "track"
    uri: str = Field(examples=[f"spotify:track:{ID_EXAMPLE}"])


class Track(TrackSimple):
    album: AlbumSimple
    external_ids: dict[str, str] = Field(examples=[{"isrc": "GBAYE0601498"}])
    popularity: int = 0


class Paging(BaseModel, Generic[T]):
    href: str = Field(examples=["https://encore.example/v1/me/tracks?offset=0&limit=20"])
    items: list[T]
    limit: int
    next: str | None
    offset: int
    previous: str | None
    total: int


class Copyright(BaseModel):
    text: str
    type: str


class Album(AlbumSimple):
    tracks: Paging[TrackSimple]
    copyrights: list[Copyright] = []
    external_ids: dict[str, str] = {}
    genres: list[str] = []
    label: str = ""
    popularity: int = 0


class Tracks(BaseModel):
    tracks: list[Track | None]


class Albums(BaseModel):
    albums: list[Album | None]


class Artists(BaseModel):
    artists: list[Artist | None]


class TopTracks(BaseModel):
    tracks: list[Track]


class RecommendationSeed(BaseModel):
    afterFilteringSize: int  # noqa: N815  (Spotify's field names)
    afterRelaxationSize: int  # noqa: N815
    href: str | None
    id: str
    initialPoolSize: int  # noqa: N815
    type: str  # TRACK | ARTIST | GENRE


class Recommendations(BaseModel):
    seeds: list[RecommendationSeed]
    tracks: list[Track]


class RelatedArtists(BaseModel):
    artists: list[Artist]


class SearchResult(BaseModel):
    """Only the types asked for are present (as Spotify answers); shows, episodes and audiobooks are empty."""

    tracks: Paging[Track] | None = None
    artists: Paging[Artist] | None = None
    albums: Paging[AlbumSimple] | None = None
    playlists: "Paging[PlaylistSimple] | None" = None
    shows: Paging[dict[str, object]] | None = None
    episodes: Paging[dict[str, object]] | None = None
    audiobooks: Paging[dict[str, object]] | None = None


class NewReleases(BaseModel):
    albums: Paging[AlbumSimple]


class User(BaseModel):
    display_name: str | None
    external_urls: ExternalUrls
    followers: Followers = Field(default_factory=Followers)
    href: str
    id: str
    images: list[Image] = []
    type: Literal["user"] = "user"
    uri: str


class PrivateUser(User):
    country: str | None = None
    email: str | None = Field(None, description="Only with the user-read-email scope.")
    product: str | None = Field(None, description="Only with the user-read-private scope.")
    explicit_content: dict[str, bool] | None = None


class PlaylistTracksRef(BaseModel):
    href: str
    total: int


class PlaylistSimple(BaseModel):
    collaborative: bool = False
    description: str
    external_urls: ExternalUrls
    href: str
    id: str
    images: list[Image]
    name: str
    owner: User
    public: bool
    snapshot_id: str
    # Spotify's reference since February 2026 names these `items` / `item`; `tracks` / `track` stay (deprecated)
    # so that clients of either age read the same object.
    items: PlaylistTracksRef
    tracks: PlaylistTracksRef
    type: Literal["playlist"] = "playlist"
    uri: str


class PlaylistTrack(BaseModel):
    added_at: str
    added_by: User | None
    is_local: bool = False
    item: Track
    track: Track


class Playlist(PlaylistSimple):
    followers: Followers = Field(default_factory=Followers)
    items: Paging[PlaylistTrack]  # type: ignore[assignment]
    tracks: Paging[PlaylistTrack]  # type: ignore[assignment]


class SavedTrack(BaseModel):
    added_at: str
    track: Track


class SavedAlbum(BaseModel):
    added_at: str
    album: Album


class Context(BaseModel):
    type: str
    href: str | None
    external_urls: ExternalUrls | None
    uri: str


class PlayHistory(BaseModel):
    track: Track
    played_at: str
    context: Context | None


class Cursors(BaseModel):
    after: str | None
    before: str | None


class CursorPaging(BaseModel):
    href: str
    items: list[PlayHistory]
    limit: int
    next: str | None
    cursors: Cursors | None
    total: int | None = None


class Snapshot(BaseModel):
    snapshot_id: str


class ErrorBody(BaseModel):
    status: int
    message: str


class Error(BaseModel):
    """Every /v1 error, as Spotify sends it."""

    error: ErrorBody


class ArtistCursorPaging(BaseModel):
    href: str
    items: list[Artist]
    limit: int
    next: str | None
    cursors: Cursors
    total: int


class FollowedArtists(BaseModel):
    artists: ArtistCursorPaging


class Devices(BaseModel):
    devices: list[dict[str, object]] = Field(description="Always empty: Encore has no Spotify Connect devices")


class Queue(BaseModel):
    currently_playing: None = None
    queue: list[Track] = []
