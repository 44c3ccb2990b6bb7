"""Time comes from a Clock so that policy can be tested at any instant."""

from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(seconds=seconds)


# Seconds since the epoch that every layer accepts from outside: 1970 to the end of 9999 (what a
# datetime and both databases hold). Anything else is a client error, never an OverflowError.
EPOCH_MAX_S = 253_402_300_799


def from_epoch(seconds: float) -> datetime | None:
    """A UTC datetime, or None when `seconds` is outside 1970..9999 (or not a finite number)."""
    if isinstance(seconds, bool) or not 0 <= seconds <= EPOCH_MAX_S:  # NaN fails both comparisons
        return None
    return datetime.fromtimestamp(seconds, UTC)


def in_epoch(value: datetime | date) -> bool:
    """Whether an instant (aware) or a UTC day from outside lies in 1970..9999, so that shifting it to UTC,
    a day either side or a month back never overflows. Naive datetimes are not instants: False."""
    if isinstance(value, datetime):
        return value.tzinfo is not None and 0 <= value.timestamp() <= EPOCH_MAX_S
    return date(1970, 1, 1) <= value <= date(9999, 12, 1)
