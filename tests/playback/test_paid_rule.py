"""`paid_play`, the one rule the byte path, the outbox's drain and the edge log's reader apply: a verified stream
is paid only if its track was published when the play verified."""

from datetime import UTC, datetime, timedelta

import pytest

from encore.catalog import ReleaseStatus, published_when, set_release_status
from encore.db import create_db_engine, make_sessionmaker, transaction
from encore.playback import paid_play
from tests.catalog import factories as f

T = datetime(2026, 12, 6, 6, tzinfo=UTC)
AFTER, BEFORE = T + timedelta(seconds=1), T - timedelta(seconds=1)


@pytest.mark.parametrize(
    ("status", "then", "taken_down", "verified_at", "paid", "reason"),
    [
        ("published", None, False, None, True, "published"),  # the byte path: verified now
        ("published", False, False, None, True, "published"),  # the drain: when it verified is not kept
        ("published", True, False, T, True, "published"),  # an edge line while published
        ("published", None, False, T, True, "published"),  # no change kept: published since it was made
        ("published", False, False, T, False, "published_after_play"),  # not published when the line was served
        ("withdrawn", True, False, None, False, "withdrawn_since"),  # the byte path and the drain
        ("withdrawn", True, True, None, False, "taken_down_since"),
        ("withdrawn", False, False, T, False, "withdrawn_before_play"),
        ("withdrawn", False, True, T, False, "taken_down_before_play"),
        ("withdrawn", True, False, T, True, "withdrawn_after_play"),  # served while published
        ("withdrawn", True, True, T, True, "taken_down_after_play"),
        ("withdrawn", None, False, T, False, "withdrawn_time_unknown"),
        ("draft", None, False, T, False, "never_published"),
        ("draft", False, False, T, False, "never_published"),
        ("draft", None, False, None, False, "never_published"),
    ],
)
def test_paid_only_if_published_when_it_verified(
    status: str, then: bool | None, taken_down: bool, verified_at: datetime | None, paid: bool, reason: str
) -> None:
    said = paid_play(status=status, published_then=then, taken_down=taken_down, verified_at=verified_at)
    assert (said.paid, said.reason) == (paid, reason)


def test_the_status_in_force_at_a_time_is_read_from_every_kept_change(database_url: str) -> None:
    """`catalog.published_when`. review24m F1: the last change alone cannot tell a play between round trips."""
    engine = create_db_engine(database_url)
    sessions = make_sessionmaker(engine)
    h = timedelta(hours=1)
    releases = {
        "round trips": [("withdrawn", T - h), ("published", T + h), ("withdrawn", T + 2 * h)],
        "never changed": [],
        "a label's draft": [("draft", T - 2 * h), ("published", T)],
        "untimed": [("withdrawn", T - h), ("published", None)],
    }
    ids = {}
    with transaction(sessions) as s:
        band = f.artist(s, "Band")
        for title, changes in releases.items():
            album = f.album(s, title, band)
            for status, at in changes:
                set_release_status(s, album=album, status=ReleaseStatus(status), now=at)
            ids[title] = album.id
    with sessions() as s:

        def when(title: str, at: datetime) -> bool | None:
            return published_when(s, album_id=ids[title], at=at)

        trips = [T - 2 * h, T - h, T, T + h, T + 1.5 * h, T + 3 * h]
        assert [when("round trips", t) for t in trips] == [True, False, False, True, True, False]
        assert when("never changed", T) is None  # the status now decides
        assert (when("a label's draft", T - h), when("a label's draft", T)) == (False, True)
        assert when("untimed", T) is None  # a change with no time: the kept ones no longer tell
    engine.dispose()
