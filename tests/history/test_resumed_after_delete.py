"""A Subsonic "now playing" sent again after the listener deleted that play (apps send one on resume after a
pause): it made a new row, which the app's submission then finished, so the deleted play came back
(fixtrust26's note). Driven through `history.record_scrobble` with the faces' own rules and explicit times, on
SQLite and PostgreSQL; tests/web/subsonic/test_trust26.py holds the wire with py-sonic and py-opensonic."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from encore import history
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import OPEN_PLAY_SLACK, Play, resumed_listen
from encore.jobs import Job
from encore.portability import FORGET_PLAY, RESUMED_ONE, RESUMED_PLAY, forget_play, submit_forget
from tests.catalog import factories as f
from tests.history.scrobbling import TRACK_MS, listener_and_track, scrobble
from tests.support.jobs import run_jobs

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_the_window_is_the_deleted_plays_length_and_the_pairing_slack_from_its_start() -> None:
    ends = T0 + timedelta(milliseconds=TRACK_MS) + OPEN_PLAY_SLACK
    assert resumed_listen(forgotten_start=T0, duration_ms=TRACK_MS, playing_at=T0 + timedelta(minutes=2))
    assert resumed_listen(forgotten_start=T0, duration_ms=TRACK_MS, playing_at=ends)
    assert not resumed_listen(forgotten_start=T0, duration_ms=TRACK_MS, playing_at=ends + timedelta(seconds=1))
    assert not resumed_listen(forgotten_start=T0, duration_ms=TRACK_MS, playing_at=T0 - timedelta(minutes=2))


def test_a_submission_is_the_deleted_plays_listen_while_that_play_could_be_going_on() -> None:
    """review27a M2: the same window as a resume's, and OPEN_PLAY_SLACK before the start (an app that scrobbles
    half-way and sends no time)."""
    ends = T0 + timedelta(milliseconds=TRACK_MS) + OPEN_PLAY_SLACK
    assert history.same_listen(forgotten_start=T0, submitted_start=T0 + timedelta(seconds=75), duration_ms=TRACK_MS)
    assert history.same_listen(forgotten_start=T0, submitted_start=ends, duration_ms=TRACK_MS)
    assert history.same_listen(forgotten_start=T0, submitted_start=T0 - OPEN_PLAY_SLACK, duration_ms=TRACK_MS)
    late = ends + timedelta(seconds=1)
    assert not history.same_listen(forgotten_start=T0, submitted_start=late, duration_ms=TRACK_MS)
    early = T0 - OPEN_PLAY_SLACK - timedelta(seconds=1)
    assert not history.same_listen(forgotten_start=T0, submitted_start=early, duration_ms=TRACK_MS)


def _plays(c: Container, uid: int) -> list[tuple[datetime, str]]:
    with c.sessions() as s:
        rows = s.execute(select(Play.started_at, Play.state).where(Play.user_id == uid).order_by(Play.started_at))
        return [(at.replace(tzinfo=UTC) if at.tzinfo is None else at, state) for at, state in rows]


def _delete_only_play(c: Container, uid: int) -> None:
    with transaction(c.sessions) as s:
        [play_id] = s.scalars(select(Play.client_play_id).where(Play.user_id == uid))
        forget_play(s, jobs=c.jobs, user_id=uid, play_id=play_id, state=c.state)


@pytest.mark.parametrize("submitted_at", ["resume", "start", "none"])
def test_now_playing_sent_again_on_resume_after_a_delete_stays_deleted_with_its_listen(
    container: Container, t0: datetime, submitted_at: str
) -> None:
    uid, tid, public_id = listener_and_track(container, "resumer")
    scrobble(container, uid, tid, public_id, now=t0, submission=False)  # the track starts
    _delete_only_play(container, uid)  # the listener deletes it while it plays
    resumed = t0 + timedelta(minutes=6)  # paused 5 minutes a minute in: the app says "now playing" again
    scrobble(container, uid, tid, public_id, now=resumed, submission=False)
    assert _plays(container, uid) == []  # was a new "playing" row
    at = {"resume": resumed, "start": t0, "none": None}[submitted_at]  # what apps send as the listen's time
    scrobble(container, uid, tid, public_id, now=resumed + timedelta(minutes=3), submission=True, at=at)
    assert _plays(container, uid) == []  # was that row, finished: the deleted play back as a listen
    with container.sessions() as s:
        kept = s.execute(select(Job.kind, Job.payload).where(Job.user_id == uid).order_by(Job.id)).all()
    assert [kind for kind, _ in kept] == [FORGET_PLAY, RESUMED_PLAY]  # the resume is forgotten as the play
    assert json.loads(kept[1][1])["resumed"] is True
    run_jobs(container)
    with container.sessions() as s:
        messages = sorted(m or "" for m in s.scalars(select(Job.message).where(Job.user_id == uid)))
    assert RESUMED_ONE in messages  # what the operator's job list says of it (the listener's leaves it out)


def test_a_play_of_the_track_after_the_deleted_one_could_have_ended_is_kept(container: Container, t0: datetime) -> None:
    uid, tid, public_id = listener_and_track(container, "resumer")
    scrobble(container, uid, tid, public_id, now=t0, submission=False)
    _delete_only_play(container, uid)
    later = t0 + timedelta(milliseconds=TRACK_MS) + OPEN_PLAY_SLACK + timedelta(seconds=5)
    scrobble(container, uid, tid, public_id, now=later, submission=False)  # played again, later
    scrobble(container, uid, tid, public_id, now=later + timedelta(minutes=3), submission=True, at=later)
    assert _plays(container, uid) == [(later, "ended")]  # one new play, its listen finished


def test_a_resume_does_not_stretch_the_window_a_track_on_repeat_is_held_back_for_one_play_at_most(
    container: Container, t0: datetime
) -> None:
    uid, tid, public_id = listener_and_track(container, "resumer")
    scrobble(container, uid, tid, public_id, now=t0, submission=False)
    _delete_only_play(container, uid)
    resumed = t0 + timedelta(milliseconds=TRACK_MS) + OPEN_PLAY_SLACK - timedelta(seconds=30)
    scrobble(container, uid, tid, public_id, now=resumed, submission=False)  # held back: the deleted play
    again = resumed + timedelta(minutes=1)  # inside the resume's own length, past the deleted play's window
    scrobble(container, uid, tid, public_id, now=again, submission=False)
    assert _plays(container, uid) == [(again, "playing")]


def test_another_track_playing_after_a_delete_is_recorded(container: Container, t0: datetime) -> None:
    uid, tid, public_id = listener_and_track(container, "resumer")
    with transaction(container.sessions) as s:
        band = f.artist(s, "Other Band")
        other = f.track(s, "Other", f.album(s, "Other Album", band), [band], duration_ms=TRACK_MS)
        other_id, other_public = other.id, other.public_id
    scrobble(container, uid, tid, public_id, now=t0, submission=False)
    _delete_only_play(container, uid)
    scrobble(container, uid, other_id, other_public, now=t0 + timedelta(minutes=1), submission=False)
    assert _plays(container, uid) == [(t0 + timedelta(minutes=1), "playing")]


@pytest.mark.parametrize("everything", [True, False], ids=["everything", "range"])
def test_a_play_still_playing_when_a_range_was_forgotten_stays_forgotten_when_resumed(
    container: Container, t0: datetime, everything: bool
) -> None:
    """The same hole after forgetting a range or everything while an app played: the range ends when it was asked,
    and the resume's "now playing" begins after that, so the range did not cover it (found on the way)."""
    uid, tid, public_id = listener_and_track(container, "resumer")
    scrobble(container, uid, tid, public_id, now=t0 - timedelta(hours=3), submission=True, at=t0 - timedelta(hours=3))
    scrobble(container, uid, tid, public_id, now=t0, submission=False)  # playing when the listener forgets
    asked = t0 + timedelta(minutes=1)
    since = None if everything else t0 - timedelta(minutes=30)
    with transaction(container.sessions) as s:
        submit_forget(s, jobs=container.jobs, user_id=uid, since=since, until=None if everything else asked,
                      everything=everything, now=asked)  # fmt: skip
    run_jobs(container)
    left = [] if everything else [(t0 - timedelta(hours=3), "ended")]  # a finished listen outside the range
    assert _plays(container, uid) == left
    resumed = t0 + timedelta(minutes=3)
    scrobble(container, uid, tid, public_id, now=resumed, submission=False)
    scrobble(container, uid, tid, public_id, now=resumed + timedelta(minutes=2), submission=True, at=resumed)
    assert _plays(container, uid) == left  # was the resumed play, finished
    later = t0 + timedelta(milliseconds=TRACK_MS) + OPEN_PLAY_SLACK + timedelta(seconds=5)
    scrobble(container, uid, tid, public_id, now=later, submission=False)  # a new play, after the window
    assert _plays(container, uid) == [*left, (later, "playing")]


@pytest.mark.parametrize("submitted_at", ["none", "scrobbled"])
def test_the_finished_scrobble_of_a_deleted_play_arriving_late_stays_deleted(
    container: Container, t0: datetime, submitted_at: str
) -> None:
    """review27a M2: deleted while the app played it, the play came back with the app's finished scrobble when that
    had no time (taken as begun `now - duration`) or the scrobble's own, and came more than a minute after the
    "now playing": the drop window was 1 minute, narrower than the pairing a scrobble gets with nothing deleted."""
    uid, tid, public_id = listener_and_track(container, "resumer")
    scrobble(container, uid, tid, public_id, now=t0, submission=False)
    _delete_only_play(container, uid)
    finished = t0 + timedelta(seconds=75) + timedelta(milliseconds=TRACK_MS)
    at = {"none": None, "scrobbled": finished}[submitted_at]
    scrobble(container, uid, tid, public_id, now=finished, submission=True, at=at)
    assert _plays(container, uid) == []
