"""`paid_play`, the one rule the byte path, the outbox's drain and the edge log's reader apply: a verified stream
is paid only if its track was published when the play verified."""

from datetime import UTC, datetime, timedelta

import pytest

from encore.playback import paid_play

T = datetime(2026, 12, 6, 6, tzinfo=UTC)
AFTER, BEFORE = T + timedelta(seconds=1), T - timedelta(seconds=1)


@pytest.mark.parametrize(
    ("status", "changed_at", "taken_down", "verified_at", "paid", "reason"),
    [
        ("published", None, False, None, True, "published"),  # the byte path: verified now
        ("published", AFTER, False, None, True, "published"),  # the drain: when it verified is not kept
        ("published", BEFORE, False, T, True, "published"),  # an edge line after the publish
        ("published", T, False, T, True, "published"),
        ("published", None, False, T, True, "published"),  # published before times were kept
        ("published", AFTER, False, T, False, "published_after_play"),  # withdrawn when the line was served
        ("withdrawn", BEFORE, False, None, False, "withdrawn_since"),  # the byte path and the drain
        ("withdrawn", BEFORE, True, None, False, "taken_down_since"),
        ("withdrawn", BEFORE, False, T, False, "withdrawn_before_play"),
        ("withdrawn", T, True, T, False, "taken_down_before_play"),  # at the same instant: nothing after it
        ("withdrawn", AFTER, False, T, True, "withdrawn_after_play"),  # served while published
        ("withdrawn", AFTER, True, T, True, "taken_down_after_play"),
        ("withdrawn", None, False, T, False, "withdrawn_time_unknown"),
        ("draft", None, False, T, False, "never_published"),
        ("draft", AFTER, False, None, False, "never_published"),
    ],
)
def test_paid_only_if_published_when_it_verified(
    status: str, changed_at: datetime | None, taken_down: bool, verified_at: datetime | None, paid: bool, reason: str
) -> None:
    said = paid_play(status=status, changed_at=changed_at, taken_down=taken_down, verified_at=verified_at)
    assert (said.paid, said.reason) == (paid, reason)
