"""Instants as SQLite holds them: naive UTC text, '2024-03-01 08:00:00.000000', as SQLAlchemy writes a DateTime.

Made from the Unix second for the common case of a whole second (every ListenBrainz listen): datetime's own
formatting (`isoformat`, `str`) asks the zone for its offset and formats through printf, ~7% of an import's
CPU on Python 3.11 (issue #17); here a day's text is made once (an import spans a few thousand days at most)
and the time of day is two table lookups. A test holds both forms equal over every second of a day and
across years.
"""

from datetime import UTC, date, datetime
from functools import lru_cache

_EPOCH = date(1970, 1, 1).toordinal()
_MINUTES = tuple(f"{m // 60:02d}:{m % 60:02d}:" for m in range(24 * 60))
_SECONDS = tuple(f"{s:02d}.000000" for s in range(60))


@lru_cache(maxsize=1 << 12)
def _day(day: int) -> tuple[str, int]:
    """A day since 1970-01-01: its date and a space, and its month (yyyymm)."""
    d = date.fromordinal(_EPOCH + day)
    return f"{d.isoformat()} ", d.year * 100 + d.month


def second_text(ts: int) -> tuple[str, int]:
    """A whole Unix second as SQLite stores it, and its UTC month (yyyymm)."""
    day, second = divmod(ts, 86_400)
    text, month = _day(day)
    return text + _MINUTES[second // 60] + _SECONDS[second % 60], month


def utc_text(at: datetime) -> str:
    """Any aware instant as SQLite stores it (naive UTC, to the microsecond)."""
    if at.tzinfo is not None and not at.microsecond:
        return second_text(int(at.timestamp()))[0]
    return (at if at.tzinfo is UTC else at.astimezone(UTC)).replace(tzinfo=None).isoformat(" ", "microseconds")
