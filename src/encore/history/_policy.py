"""Pure rules for plays: what counts as a listen and which report timestamps are believable."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EARLIEST = datetime(2002, 1, 1, tzinfo=UTC)  # before any service that could have recorded it
FUTURE_SKEW = timedelta(minutes=5)
MIN_TRACK_MS = 30_000
FOUR_MINUTES_MS = 240_000


def counts_as_listen(*, duration_ms: int, ms_played: int) -> bool:
    """The ListenBrainz rule: a track over 30 s, played for half its length or 4 minutes."""
    if duration_ms <= MIN_TRACK_MS:
        return False
    return ms_played >= min(duration_ms // 2, FOUR_MINUTES_MS)


@dataclass(frozen=True)
class TimeCheck:
    ok: bool
    reason: str


# the answers are constants: an import checks every row's time, and building a frozen dataclass per row showed
_OK, _NO_ZONE = TimeCheck(True, "ok"), TimeCheck(False, "timestamp_without_zone")
_TOO_OLD, _FUTURE = TimeCheck(False, "timestamp_too_old"), TimeCheck(False, "timestamp_in_future")


_EPOCH, _SECOND = datetime(1970, 1, 1, tzinfo=UTC), timedelta(seconds=1)


def latest_second(now: datetime) -> int:
    """The last whole Unix second `check_timestamp` does not call the future at `now` (an aware time): for a
    caller that holds its times as integer seconds after 2002 (an import checks a thousand, issue #17), a
    second is in the future exactly when it is past this one. A test holds the two equal."""
    return (now + FUTURE_SKEW - _EPOCH) // _SECOND


def check_timestamp(*, at: datetime, now: datetime) -> TimeCheck:
    if at.tzinfo is None:
        return _NO_ZONE
    if at < EARLIEST:
        return _TOO_OLD
    if at > now + FUTURE_SKEW:
        return _FUTURE
    return _OK
