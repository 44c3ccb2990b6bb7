"""probe22 F2: `encore catalog withdraw | restore` reached stream URLs up to 60 s late (the byte path kept each
track's answer, "not found" too, for 60 s): a URL handed out before a takedown kept serving, and after a restore
a fresh URL answered 404. The README says a running server notices within a second. The command runs in its own
process beside a live server, on SQLite and PostgreSQL. And nothing verifies after a withdrawal: a play that
reaches 30 s in that second is no paid stream (money follows what was served while the track was out)."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from encore import playback
from encore.web._stream_route import record_verified_now
from tests.cli.conftest import Install

NOTICED_S = 1.0  # the README's bound for a running server
SLACK_S = 1.5  # a loaded test machine's scheduling, on top of it (the old code took up to 60 s)


def _within(seconds: float, done: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_withdrawal_stops_urls_already_handed_out_within_a_second(
    live: Install, encore_cli: Callable[..., str]
) -> None:
    handed_out = live.stream_url().json()["url"]
    assert live.status(handed_out) == 206  # the byte path has looked the track up, and keeps what it found
    said = encore_cli("catalog", "withdraw", live.album, "--reason", "takedown notice")
    assert "Withdrawn" in said, said
    assert _within(NOTICED_S + SLACK_S, lambda: live.status(handed_out) == 404)
    assert live.stream_url().status_code == 404  # and no new URL is handed out


def test_a_restored_track_plays_within_a_second(live: Install, encore_cli: Callable[..., str]) -> None:
    handed_out = live.stream_url().json()["url"]
    encore_cli("catalog", "withdraw", live.album, "--reason", "takedown notice")
    assert _within(NOTICED_S + SLACK_S, lambda: live.stream_url().status_code == 404)
    assert live.status(handed_out) == 404  # the byte path now keeps "not found" for the track

    said = encore_cli("catalog", "restore", live.album)
    assert "Published again" in said, said
    assert _within(NOTICED_S + SLACK_S, lambda: live.stream_url().status_code == 200)
    fresh = live.stream_url().json()["url"]
    assert _within(NOTICED_S + SLACK_S, lambda: live.status(fresh) == 206)  # the old code: 404 for up to 60 s
    assert live.status(handed_out) == 206  # still signed and unexpired: the track is back


def test_a_play_verified_after_a_withdrawal_is_not_paid(live: Install, encore_cli: Callable[..., str]) -> None:
    c = live.server.container

    def verified(play: str, later: timedelta = timedelta(0)) -> int:
        at = datetime.now(UTC) + later
        record_verified_now(c, playback.Verified(live.user, live.track, play, at, playback.VERIFY_MIN_MS))
        with c.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(playback.VerifiedStream)) or 0)

    assert verified("before") == 1
    encore_cli("catalog", "withdraw", live.album, "--reason", "takedown notice")
    assert verified("in the second after") == 1  # what the byte path sent before it noticed pays nothing
    encore_cli("catalog", "restore", live.album)
    # a play of its own: a record of the same track starting within the first play's window is that play again
    # (fixedge25's one-play rule), so the next play starts an hour on
    assert verified("restored", later=timedelta(hours=1)) == 2
