"""The history tests' shared fixture."""

from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture
def t0() -> datetime:
    """An hour ago, so every time of these plays is in the past (a report from the future is refused)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
