"""Wire shapes of the player's library API (playlists and saved items)."""

from datetime import datetime

from pydantic import BaseModel, Field, StrictBool

from encore.web._schemas import AlbumOut, ArtistOut, PageOut, Strict, TrackOut


class PlaylistIn(Strict):
    name: str = Field(max_length=400)
    description: str = Field(default="", max_length=1200)
    public: StrictBool = False  # true or false: "yes", "0" or 1 made a playlist public (probe15)


class PlaylistPatch(Strict):
    name: str | None = Field(default=None, max_length=400)
    description: str | None = Field(default=None, max_length=1200)
    public: StrictBool | None = None


class OwnerOut(BaseModel):
    id: str
    name: str


class PlaylistOut(BaseModel):
    id: str
    name: str
    description: str
    public: bool
    owner: OwnerOut
    is_owner: bool
    snapshot_id: str
    total_tracks: int
    duration_ms: int
    images: dict[str, str]
    created_at: datetime
    updated_at: datetime


class ItemsAdd(Strict):
    track_ids: list[str] = Field(min_length=1, max_length=100)
    position: int | None = Field(default=None, ge=0)
    allow_duplicates: bool = True


class ItemsRemove(Strict):
    positions: list[int] = Field(default_factory=list, max_length=100)
    track_ids: list[str] = Field(default_factory=list, max_length=100)
    snapshot_id: str | None = Field(default=None, max_length=64)


class ItemsMove(Strict):
    range_start: int = Field(ge=0)
    insert_before: int = Field(ge=0)
    range_length: int = Field(default=1, ge=1, le=10_000)
    snapshot_id: str | None = Field(default=None, max_length=64)


class SnapshotOut(BaseModel):
    snapshot_id: str


class PlaylistItemOut(BaseModel):
    position: int
    added_at: datetime
    track: TrackOut


class SavedTrackOut(BaseModel):
    saved_at: datetime
    track: TrackOut


class SavedAlbumOut(BaseModel):
    saved_at: datetime
    album: AlbumOut


class SavedArtistOut(BaseModel):
    saved_at: datetime
    artist: ArtistOut


class ProfileOut(BaseModel):
    id: str
    name: str
    playlists: PageOut[PlaylistOut]
