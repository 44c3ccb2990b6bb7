"""Wire shapes of the player's JSON API (pydantic lives only here, at the edge)."""

from datetime import date, datetime
from typing import Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from encore.accounts import (
    Decision,
    check_display_name,
    check_own_display_name,
    check_password_length,
    check_username,
    normal_display_name,
)
from encore.web._plain_errors import SENTENCE

T = TypeVar("T")


_SECRETS = frozenset({"password", "current_password", "new_password"})  # compared, never stored nor shown


class Strict(BaseModel):
    # Unknown fields are refused: no mass assignment (e.g. "role": "admin" on sign-up).
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_nul(self) -> Self:
        """No text a body brings may hold U+0000: SQLite stored it in titles, play contexts and devices that
        others are shown, and PostgreSQL's text cannot hold it at all."""
        for name, value in self:
            texts = value if isinstance(value, list | tuple) else (value,)
            if name not in _SECRETS and any(isinstance(t, str) and "\x00" in t for t in texts):
                raise ValueError(f"{name} may not hold the NUL character (U+0000)")
        return self


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


def _as_told(value: str, decision: Decision) -> str:
    if not decision.allowed:
        raise PydanticCustomError(SENTENCE, decision.reason)
    return value


class SignupIn(Strict):
    """Each field asks the accounts policy here, so a form with a bad username and a short password hears both at
    once, beside each field. Whether the password is a first guess is the route's to judge (`check_new_account`,
    after sign-up is known open, off the event loop: review27c H1, once: the route gives the form it checked to
    `create_checked_user`), answered in the same shape, and `check_new_account` still guards `create_user` for
    every other caller."""

    username: str = Field(min_length=2, max_length=32)
    password: str = Field(min_length=8, max_length=1024)
    display_name: str | None = Field(default=None, max_length=1000)  # the policy says its limit (100), as in Settings

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        return _as_told(value, check_username(value))

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        """The lengths only: a wire model runs on the event loop, before the route's throttle; how easy it is to
        guess (zxcvbn, CPU) is judged in the route (`check_new_account`, review27c H1)."""
        return _as_told(value, check_password_length(value))

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str | None, info: ValidationInfo) -> str | None:
        """The rule Settings applies (`check_own_display_name`): the name others see is not the login name. A
        sign-up naming itself as its username heard nothing and showed others "Listener xxxx" (review26c M1)."""
        if not value:
            return value
        name = normal_display_name(value)
        username = info.data.get("username")  # absent when the username itself was refused: said beside it
        decision = check_own_display_name(name, username=username) if username else check_display_name(name)
        return _as_told(value, decision)


class UserOut(BaseModel):
    id: str
    username: str = Field(description="The login name: shown to its owner only, never to another person")
    display_name: str = Field(description="The name others see: the one chosen, or a neutral one (`Listener 4F2A`)")
    chosen_display_name: str | None = Field(
        default=None, description="The display name the listener chose (Settings, PATCH /api/me); null: none yet"
    )
    role: str
    must_reset_password: bool = False  # an operator asked for a new password: the player shows only that


class SessionOut(BaseModel):
    user: UserOut
    token: str | None = None
    expires_at: datetime


class ArtistRefOut(BaseModel):
    id: str
    name: str
    role: str = "primary"


class LabelRefOut(BaseModel):
    id: str
    name: str
    kind: str


class AlbumOut(BaseModel):
    id: str
    title: str
    album_type: str
    release_date: date | None
    artists: list[ArtistRefOut]
    label: LabelRefOut | None
    upc: str | None
    genres: list[str]
    total_tracks: int
    images: dict[str, str]
    playable: bool = True  # False: withdrawn by its label, kept in the listener's liked albums (as TrackOut's)


class TrackOut(BaseModel):
    id: str
    title: str
    duration_ms: int
    disc_number: int
    track_number: int
    explicit: bool
    isrc: str | None
    gain_db: float
    loudness_lufs: float | None
    artists: list[ArtistRefOut]
    album: dict[str, str]
    images: dict[str, str]
    genres: list[str]
    # False: withdrawn by its label (or otherwise out of the catalogue), kept in the listener's lists and history
    # but never streamed; greyed out and skipped. Not about the listener's tier (that is GET /api/me/locks).
    playable: bool = True


class ArtistOut(BaseModel):
    id: str
    name: str
    images: dict[str, str]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class StreamRequest(Strict):
    rendition: Literal["vorbis160", "opus96"] | None = None
    data_saver: bool = False


class StreamOut(BaseModel):
    url: str
    expires_at: datetime
    rendition: str
    mime: str
    gain_db: float


class PlayReportIn(Strict):
    play_id: str = Field(min_length=8, max_length=64)
    track_id: str = Field(min_length=22, max_length=22)
    started_at: datetime
    ms_played: int = Field(ge=0, le=24 * 3600 * 1000)
    state: Literal["started", "playing", "ended", "skipped"]
    context_type: str | None = Field(default=None, max_length=16)
    context_id: str | None = Field(default=None, max_length=64)
    device: str | None = Field(default=None, max_length=100)
    shuffle: bool = False


class PlayOut(BaseModel):
    play_id: str
    ms_played: int
    state: str
    is_listen: bool
