"""Time comes from a Clock so that policy can be tested at any instant."""

from datetime import UTC, datetime
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
