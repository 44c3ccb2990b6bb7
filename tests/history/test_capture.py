"""Player reports: start, progress, end or skip with context, device and shuffle; they read back as listens."""

from datetime import UTC, datetime, timedelta

import pytest

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import PlayReport, report_play, user_listens
from encore.kernel import ValidationFailed
from tests.catalog import factories as f

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_skip_is_final_and_catalogue_plays_read_back_with_their_text(container: Container) -> None:
    with transaction(container.sessions) as s:
        uid = create_user(s, username="cap", password="listener-pass-1").id
        band = f.artist(s, "Cap Band")
        track = f.track(s, "Captured", f.album(s, "Capture", band), [band], duration_ms=200_000)
        base = PlayReport(
            client_play_id="cap-play-0001", track_id=track.id, track_duration_ms=200_000,
            started_at=NOW - timedelta(minutes=4), ms_played=0, state="started",
            context_type="playlist", context_id="pl123", device="Pixel 8", shuffle=True,
        )  # fmt: skip
        for ms, state in ((0, "started"), (40_000, "playing"), (90_000, "skipped"), (150_000, "ended")):
            play = report_play(
                s, user_id=uid, report=PlayReport(**{**base.__dict__, "ms_played": ms, "state": state}), now=NOW
            )
        assert play.state == "skipped"  # the first final state wins
        assert play.ms_played == 150_000 and play.is_listen  # ms_played only grows
        assert (play.context_type, play.context_id, play.device, play.shuffle) == ("playlist", "pl123", "Pixel 8", True)
        views = user_listens(s, user_id=uid, min_ts=None, max_ts=None, count=5)
        assert [(v.artist_name, v.track_name, v.release_name, v.track_public_id) for v in views] == [
            ("Cap Band", "Captured", "Capture", track.public_id)
        ]
        with pytest.raises(ValidationFailed):
            report_play(s, user_id=uid, report=PlayReport(**{**base.__dict__, "context_type": "podcast"}), now=NOW)
