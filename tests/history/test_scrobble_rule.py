"""The scrobble rule (`history.scrobbled`), pure: what a Subsonic app's scrobble says was played. It moved out of
the Subsonic handler into history; the handler's own tests (tests/web/subsonic) hold the wire to it."""

from datetime import UTC, datetime, timedelta

from encore.history import Scrobbled, scrobble_play_id, scrobbled

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TRACK_MS = 200_000


def test_now_playing_begins_now_with_nothing_played_whatever_time_the_app_sent() -> None:
    earlier = NOW - timedelta(minutes=3)
    assert scrobbled(duration_ms=TRACK_MS, submission=False, at=earlier, now=NOW) == Scrobbled(NOW, 0, "playing")


def test_a_submission_without_a_time_is_a_whole_track_heard_just_now() -> None:
    heard = scrobbled(duration_ms=TRACK_MS, submission=True, at=None, now=NOW)
    assert heard == Scrobbled(NOW - timedelta(milliseconds=TRACK_MS), TRACK_MS, "ended")


def test_a_submission_counts_the_time_since_it_began_up_to_the_track_length() -> None:
    began = NOW - timedelta(seconds=45)
    assert scrobbled(duration_ms=TRACK_MS, submission=True, at=began, now=NOW) == Scrobbled(began, 45_000, "ended")
    long_ago = NOW - timedelta(hours=2)  # an app that scrobbles late: never more than the track
    assert scrobbled(duration_ms=TRACK_MS, submission=True, at=long_ago, now=NOW).ms_played == TRACK_MS


def test_a_submission_timed_in_the_future_played_nothing() -> None:
    ahead = NOW + timedelta(minutes=1)
    assert scrobbled(duration_ms=TRACK_MS, submission=True, at=ahead, now=NOW) == Scrobbled(ahead, 0, "ended")


def test_the_play_id_of_a_scrobble_is_stable_across_the_move() -> None:
    """The id the handler made before the rule moved (so an app's retry after an upgrade is the same play), and
    each of its parts tells plays apart."""
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    track = "0123456789abcdefghijkl"
    assert scrobble_play_id(7, track, at, "ended") == "subsonic-ac2131d881fd0280fdfe643c652a8635cb89aaf1"
    others = {
        scrobble_play_id(8, track, at, "ended"),
        scrobble_play_id(7, "0123456789abcdefghijkm", at, "ended"),
        scrobble_play_id(7, track, at + timedelta(seconds=1), "ended"),
        scrobble_play_id(7, track, at, "playing"),
    }
    assert len(others) == 4 and scrobble_play_id(7, track, at, "ended") not in others
