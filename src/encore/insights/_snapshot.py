"""The one typed Wrapped snapshot, shared by the batch job, the API and the card renderer.

Stored as JSON in `wrapped_snapshots.data`; `to_json` / `from_json` round-trip it exactly.
"""

import dataclasses
import json
import types
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin, get_type_hints

import orjson

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TOP_N = 50


@dataclass(frozen=True)
class Ranked:
    """An artist, track, album or genre with its listens. `id` is the catalogue public id, if any."""

    name: str
    listens: int
    minutes: int
    by: str = ""  # artist name for a track or album
    id: str | None = None


@dataclass(frozen=True)
class YearTop:
    year: int
    track: Ranked | None


@dataclass(frozen=True)
class Era:
    label: str  # "2024-03" (a month of a year) or "2024" (a year of a decade)
    listens: int
    genre: str | None
    artist: str | None


@dataclass(frozen=True)
class Streak:
    days: int
    start: str | None  # ISO dates
    end: str | None


@dataclass(frozen=True)
class DayTotal:
    date: str
    listens: int
    minutes: int


@dataclass(frozen=True)
class FirstTrack:
    name: str
    by: str
    at: str  # ISO timestamp, UTC
    id: str | None = None


@dataclass(frozen=True)
class Snapshot:
    period: str
    kind: str  # "year" | "decade"
    built_at: str
    listens: int
    minutes: int
    days_listened: int
    top_artists: list[Ranked] = field(default_factory=list)  # up to TOP_N; the top 5 is the head
    top_tracks: list[Ranked] = field(default_factory=list)
    top_albums: list[Ranked] = field(default_factory=list)
    top_genres: list[Ranked] = field(default_factory=list)
    top_track_by_year: list[YearTop] = field(default_factory=list)
    clock_month: list[int] = field(default_factory=lambda: [0] * 12)  # listens, Jan..Dec
    clock_weekday: list[int] = field(default_factory=lambda: [0] * 7)  # Monday..Sunday
    clock_hour: list[int] = field(default_factory=lambda: [0] * 24)  # UTC hours
    longest_streak: Streak = field(default_factory=lambda: Streak(0, None, None))
    new_artists: int = 0
    new_artist_examples: list[Ranked] = field(default_factory=list)
    most_played_day: DayTotal | None = None
    first_track: FirstTrack | None = None
    # Among everyone on Encore who listened to the top artist in the period, this listener is in the top N%.
    top_artist_percent: int | None = None
    top_artist_listeners: int = 0
    eras: list[Era] = field(default_factory=list)

    @property
    def nothing_played(self) -> bool:
        """A period in range with no listening: its story would be cards of zeros, so it has none to tell."""
        return self.listens == 0

    @property
    def top5_artists(self) -> list[Ranked]:
        return self.top_artists[:5]

    @property
    def top5_tracks(self) -> list[Ranked]:
        return self.top_tracks[:5]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The text `json.dumps(to_dict(), separators=(",", ":"), ensure_ascii=False)` gives, written by orjson
        straight from the dataclasses (`asdict` deep-copies every field: ~10 ms a decade, 100 CPU-s a batch).
        orjson refuses an integer past 64 bits (minutes a hostile import claims) or a lone surrogate: `json`."""
        try:
            return orjson.dumps(self).decode()
        except TypeError:  # orjson.JSONEncodeError
            return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Snapshot":
        built = _build(cls, json.loads(text))
        if not isinstance(built, Snapshot):
            raise TypeError("not a Wrapped snapshot")
        return built


def _build(kind: Any, value: Any) -> Any:
    """Rebuild nested dataclasses from plain JSON values, following the type hints."""
    if value is None:
        return None
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(kind) if a is not type(None)]
        return _build(inner[0], value)
    if origin is list:
        (item,) = get_args(kind)
        return [_build(item, v) for v in value]
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints = get_type_hints(kind)
        names = {f.name for f in dataclasses.fields(kind)}
        return kind(**{k: _build(hints[k], v) for k, v in value.items() if k in names})
    return value
