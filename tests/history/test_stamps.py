"""The stored text of an instant (history._stamps): made from the Unix second for whole seconds, it must be
exactly what datetime formatting (and so SQLAlchemy's SQLite DateTime) gives, and its month the UTC month."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from encore.history._stamps import second_text, utc_text


def _expected(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def test_every_second_of_a_day_reads_as_datetime_writes_it() -> None:
    day = datetime(2024, 2, 29, tzinfo=UTC)  # a leap day
    for second in range(86_400):
        at = day + timedelta(seconds=second)
        assert second_text(int(at.timestamp())) == (_expected(at), 202402)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2002, 10, 1, tzinfo=UTC),  # ListenBrainz's floor
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),  # before the epoch: the day rounds down
        datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC),  # the last second of a year, then the first
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2100, 3, 1, tzinfo=UTC),  # 2100 is not a leap year
        datetime(2106, 2, 7, 6, 28, 16, tzinfo=UTC),  # past 32 bits of seconds
    ],
)
def test_whole_seconds_across_days_and_years(at: datetime) -> None:
    assert second_text(int(at.timestamp())) == (_expected(at), at.year * 100 + at.month)
    assert utc_text(at) == _expected(at)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2024, 3, 1, 8, 0, 0, 250_000, tzinfo=UTC),  # a fraction: datetime's own formatting
        datetime(2024, 3, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),  # another zone: the UTC day before
        datetime(2024, 3, 1, 1, 30, 0, 1, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
    ],
)
def test_any_aware_instant_is_stored_as_utc(at: datetime) -> None:
    assert utc_text(at) == _expected(at)
