"""A Subsonic app sends "now playing" again when the listener resumes a track after a pause. With no delete at
all, that made a second "playing" row (its id hashes the arrival time), the first left "playing" at 0 ms
(fixlisten27's note): one play read as two in history. A listener expects one play. Such a "now playing" now
goes on with the app's open play of the track while it could still be going on (`resumed_listen`'s window: the
track's length and OPEN_PLAY_SLACK from its start), and the submission finishes that one row. Driven through
`history.record_scrobble` with the Subsonic face's own rules and explicit times, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from encore.bootstrap import Container
from encore.history import OPEN_PLAY_SLACK, Play
from tests.history.scrobbling import TRACK_MS, listener_and_track, scrobble


def _plays(c: Container, uid: int) -> list[tuple[datetime, str, str | None]]:
    with c.sessions() as s:
        rows = s.execute(
            select(Play.started_at, Play.state, Play.device).where(Play.user_id == uid).order_by(Play.started_at)
        )
        return [(at.replace(tzinfo=UTC) if at.tzinfo is None else at, state, device) for at, state, device in rows]


@pytest.mark.parametrize("submitted_at", ["resume", "start", "none"])
def test_now_playing_sent_again_on_resume_is_the_same_play(
    container: Container, t0: datetime, submitted_at: str
) -> None:
    uid, tid, public_id = listener_and_track(container, "pauser")
    scrobble(container, uid, tid, public_id, now=t0, submission=False)  # the track starts
    resumed = t0 + timedelta(minutes=6)  # paused 5 minutes a minute in: the app says "now playing" again
    scrobble(container, uid, tid, public_id, now=resumed, submission=False)
    assert _plays(container, uid) == [(t0, "playing", "app")]  # was a second "playing" row
    at = {"resume": resumed, "start": t0, "none": None}[submitted_at]  # what apps send as the listen's time
    scrobble(container, uid, tid, public_id, now=resumed + timedelta(minutes=3), submission=True, at=at)
    assert _plays(container, uid) == [(t0, "ended", "app")]  # one play, finished


def test_a_now_playing_after_the_open_play_could_have_ended_is_a_play_of_its_own(
    container: Container, t0: datetime
) -> None:
    """The first play was never finished (skipped before the app scrobbled it): a "now playing" of the track
    after its length and the slack is a new play, as a resume's window says."""
    uid, tid, public_id = listener_and_track(container, "pauser")
    scrobble(container, uid, tid, public_id, now=t0, submission=False)
    later = t0 + timedelta(milliseconds=TRACK_MS) + OPEN_PLAY_SLACK + timedelta(seconds=1)
    scrobble(container, uid, tid, public_id, now=later, submission=False)
    assert _plays(container, uid) == [(t0, "playing", "app"), (later, "playing", "app")]


def test_a_resume_does_not_carry_a_play_on_without_end(container: Container, t0: datetime) -> None:
    """The window is measured from the play's start, not from its last resume: an app re-sending "now playing"
    every few minutes makes a new play once the first could no longer be going on."""
    uid, tid, public_id = listener_and_track(container, "pauser")
    scrobble(container, uid, tid, public_id, now=t0, submission=False)
    for minutes in (5, 10):
        scrobble(container, uid, tid, public_id, now=t0 + timedelta(minutes=minutes), submission=False)
    assert len(_plays(container, uid)) == 1
    past = t0 + timedelta(minutes=14)  # 3:20 of track and 10 minutes of slack from t0 have passed
    scrobble(container, uid, tid, public_id, now=past, submission=False)
    assert _plays(container, uid) == [(t0, "playing", "app"), (past, "playing", "app")]


def test_another_app_playing_the_same_track_is_another_play(container: Container, t0: datetime) -> None:
    uid, tid, public_id = listener_and_track(container, "pauser")
    scrobble(container, uid, tid, public_id, now=t0, submission=False, device="phone")
    scrobble(container, uid, tid, public_id, now=t0 + timedelta(minutes=1), submission=False, device="desktop")
    assert _plays(container, uid) == [(t0, "playing", "phone"), (t0 + timedelta(minutes=1), "playing", "desktop")]


def test_a_finished_play_then_now_playing_again_is_a_replay(container: Container, t0: datetime) -> None:
    """A track on repeat: the app finished the first play, so its next "now playing" is a play of its own."""
    uid, tid, public_id = listener_and_track(container, "pauser")
    scrobble(container, uid, tid, public_id, now=t0, submission=False)
    ended = t0 + timedelta(milliseconds=TRACK_MS)
    scrobble(container, uid, tid, public_id, now=ended, submission=True, at=t0)
    scrobble(container, uid, tid, public_id, now=ended + timedelta(seconds=1), submission=False)
    assert _plays(container, uid) == [(t0, "ended", "app"), (ended + timedelta(seconds=1), "playing", "app")]
