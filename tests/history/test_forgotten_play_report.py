"""A play deleted from history while it still plays is not written again by the player's next progress report
(review24 F7: the report found no row with that play id and inserted the play anew)."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.portability import forget_play, forgotten_lately
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.jobs import run_jobs
from tests.web.conftest import PASSWORD, login


def _listener_and_track(c: Container) -> tuple[int, int, str]:
    with transaction(c.sessions) as s:
        uid = create_user(s, username="player", password=PASSWORD).id
        band = f.artist(s, "Band")
        track = f.track(s, "Song", f.album(s, "Album", band), [band])
        return uid, track.id, track.public_id


def _plays(c: Container, uid: int) -> list[str]:
    with c.sessions() as s:
        return list(s.scalars(select(Play.client_play_id).where(Play.user_id == uid)))


def test_the_next_report_of_a_play_just_forgotten_is_refused(container: Container) -> None:
    uid, tid, _ = _listener_and_track(container)
    started = datetime.now(UTC) - timedelta(seconds=90)

    def report(play_id: str, ms: int) -> None:
        with transaction(container.sessions) as s:
            r = history.PlayReport(play_id, tid, 180_000, started, ms, "playing")
            now = datetime.now(UTC)
            forgotten = forgotten_lately(s, user_id=uid, now=now, state=container.state)
            history.report_play(s, user_id=uid, report=r, now=now, forgotten=forgotten)

    report("play-abc-123", 60_000)
    with transaction(container.sessions) as s:
        forget_play(s, jobs=container.jobs, user_id=uid, play_id="play-abc-123", state=container.state)
    with pytest.raises(history.PlayForgotten):
        report("play-abc-123", 80_000)  # the player's next progress report, a few seconds later
    report("play-def-456", 10_000)  # the next track's play is recorded as ever
    assert _plays(container, uid) == ["play-def-456"]
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play).where(Play.user_id == uid)) == 1


def test_the_player_api_answers_a_forgotten_plays_report_with_its_reason(container: Container) -> None:
    uid, _, track = _listener_and_track(container)
    started = (datetime.now(UTC) - timedelta(seconds=90)).isoformat()
    body = {"play_id": "play-xyz-789", "track_id": track, "started_at": started, "state": "playing"}
    with TestClient(create_app(container), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, 'player')}"}
        assert api.post("/api/plays", json={**body, "ms_played": 60_000}, headers=h).status_code == 200
        assert api.delete("/api/me/history/plays/play-xyz-789", headers=h).status_code == 204
        r = api.post("/api/plays", json={**body, "ms_played": 80_000}, headers=h)
        assert r.status_code == 409 and r.json()["error"]["code"] == "play_forgotten", r.text
        other = api.post("/api/plays", json={**body, "play_id": "play-next-000", "ms_played": 1_000}, headers=h)
        assert other.status_code == 200
    assert _plays(container, uid) == ["play-next-000"]


def test_the_job_a_deleted_play_leaves_reads_as_what_the_listener_did(container: Container) -> None:
    """Deleting one play queues `history.forget_play` (its verified stream de-identified once more), which the
    listener's job list showed with its internal kind and no words at all."""
    _, _, track = _listener_and_track(container)
    started = (datetime.now(UTC) - timedelta(seconds=90)).isoformat()
    body = {"play_id": "play-job-0001", "track_id": track, "started_at": started, "state": "playing", "ms_played": 1}
    with TestClient(create_app(container), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, 'player')}"}
        assert api.post("/api/plays", json=body, headers=h).status_code == 200
        assert api.delete("/api/me/history/plays/play-job-0001", headers=h).status_code == 204
        run_jobs(container)
        (job,) = api.get("/api/me/jobs", headers=h).json()["items"]
    assert (job["kind"], job["state"]) == ("history.forget_play", "done")
    assert job["message"] == "Deleted one play from your history"
