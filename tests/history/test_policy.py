from datetime import UTC, datetime, timedelta, timezone

import pytest

from encore.history import check_timestamp, counts_as_listen, latest_second

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("duration_ms", "ms_played", "expected"),
    [
        (30_000, 30_000, False),  # a 30 s track never counts
        (31_000, 15_499, False),
        (31_000, 15_500, True),  # half of it
        (600_000, 239_999, False),
        (600_000, 240_000, True),  # or four minutes
        (200_000, 100_000, True),
    ],
)
def test_listenbrainz_rule(duration_ms: int, ms_played: int, expected: bool) -> None:
    assert counts_as_listen(duration_ms=duration_ms, ms_played=ms_played) is expected


def test_timestamps_before_2002_and_in_the_future_are_refused() -> None:
    assert check_timestamp(at=datetime(1970, 1, 1, tzinfo=UTC), now=NOW).reason == "timestamp_too_old"
    assert check_timestamp(at=NOW + timedelta(hours=1), now=NOW).reason == "timestamp_in_future"
    assert check_timestamp(at=NOW + timedelta(minutes=2), now=NOW).ok  # small clock skew allowed
    assert check_timestamp(at=datetime(2026, 6, 1), now=NOW).reason == "timestamp_without_zone"


@pytest.mark.parametrize("micros", [0, 1, 500_000, 999_999])
@pytest.mark.parametrize("zone", [UTC, timezone(timedelta(hours=-7, minutes=-30))])
def test_the_latest_second_is_the_future_check_for_whole_seconds(micros: int, zone: timezone) -> None:
    """latest_second (the ListenBrainz parse compares integers with it) says what check_timestamp says of every
    whole second around the boundary, whatever the fraction of `now` and its zone."""
    now = (NOW + timedelta(microseconds=micros)).astimezone(zone)
    latest = latest_second(now)
    for ts in range(latest - 3, latest + 4):
        at = datetime.fromtimestamp(ts, UTC)
        assert check_timestamp(at=at, now=now).ok is (ts <= latest), (ts, latest)
    assert check_timestamp(at=datetime.fromtimestamp(latest, UTC), now=now).ok
    assert not check_timestamp(at=datetime.fromtimestamp(latest + 1, UTC), now=now).ok
