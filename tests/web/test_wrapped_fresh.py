"""Wrapped never lags the plays: a listen written after a snapshot was stored counts on the next read
through the API, and the periodic fold task folds marked months (and drops the snapshots they make stale)
without anyone asking for Wrapped."""

import json
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import history
from encore.accounts import regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.insights import WrappedSnapshot
from tests.insights.world import make_world
from tests.web.conftest import login

FOLD_TASK = "encore.minutely.wrapped.fold"


def _world(container: Container) -> tuple[int, str]:
    """alice with 19 listens in February 2024, and her ListenBrainz token."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        for day in range(1, 20):
            w.play(w.alice, day % 5, datetime(2024, 2, day, 20, tzinfo=UTC))
        token = regenerate_listen_token(s, user_id=w.alice, now=container.clock.now())
        return w.alice, token


def _submit(client: TestClient, token: str, *stamps: datetime) -> None:
    payload = [
        {"listened_at": int(at.timestamp()), "track_metadata": {"artist_name": "Nina Vale", "track_name": "Tide"}}
        for at in stamps
    ]
    body = json.dumps({"listen_type": "import" if len(payload) > 1 else "single", "payload": payload})
    r = client.post("/1/submit-listens", content=body, headers={"Authorization": f"Token {token}"})
    assert r.status_code == 200, r.text


def _stored(container: Container, user_id: int) -> set[str]:
    with transaction(container.sessions) as s:
        return set(s.scalars(select(WrappedSnapshot.period).where(WrappedSnapshot.user_id == user_id)))


def test_new_listens_count_on_the_next_wrapped_read(client: TestClient, container: Container) -> None:
    alice, token = _world(container)
    auth = {"Authorization": f"Bearer {login(client, 'alice', 'alice-password-1')}"}
    client.cookies.clear()
    assert client.get("/api/me/wrapped/2024", headers=auth).json()["listens"] == 19
    assert client.get("/api/me/wrapped/2020s", headers=auth).json()["listens"] == 19
    assert _stored(container, alice) == {"2024", "2020s"}  # stored, and reused until something changes

    _submit(client, token, datetime(2024, 7, 4, 9, tzinfo=UTC))  # a single: through the group-commit writer
    _submit(client, token, datetime(2024, 2, 3, 8, tzinfo=UTC), datetime(2023, 12, 31, 23, 59, tzinfo=UTC))
    year = client.get("/api/me/wrapped/2024", headers=auth).json()
    assert year["listens"] == 21 and year["top_tracks"][0]["name"] == "Tide"
    assert client.get("/api/me/wrapped/2023", headers=auth).json()["listens"] == 1
    assert client.get("/api/me/wrapped/2020s", headers=auth).json()["listens"] == 22
    # read again: the stored snapshots are the fresh ones
    assert client.get("/api/me/wrapped/2024", headers=auth).json()["listens"] == 21


def test_the_periodic_fold_folds_marked_months_unasked(client: TestClient, container: Container) -> None:
    alice, token = _world(container)
    auth = {"Authorization": f"Bearer {login(client, 'alice', 'alice-password-1')}"}
    client.cookies.clear()
    assert client.get("/api/me/wrapped/2024", headers=auth).json()["listens"] == 19
    _submit(client, token, datetime(2024, 5, 1, 9, tzinfo=UTC), datetime(2024, 5, 2, 9, tzinfo=UTC))
    with transaction(container.sessions) as s:
        assert history.pending_folds(s, user_id=alice) == 1

    huey = container.jobs.huey
    due = [task for task in huey.read_periodic(datetime.now()) if task.name == FOLD_TASK]
    assert len(due) == 1  # the scheduler queues it every minute
    huey.execute(due[0])  # what a worker does with it

    with transaction(container.sessions) as s:
        assert history.pending_folds(s) == 0
    assert _stored(container, alice) == set()  # the 2024 snapshot the fold made stale is gone
    assert client.get("/api/me/wrapped/2024", headers=auth).json()["listens"] == 21


def test_a_public_share_never_folds_and_follows_the_periodic_fold(client: TestClient, container: Container) -> None:
    """An anonymous share view takes none of the fold's write locks (a view while the owner listens would hold
    them through a snapshot build); the share is at most the periodic fold's minute behind the plays."""
    alice, token = _world(container)
    auth = {"Authorization": f"Bearer {login(client, 'alice', 'alice-password-1')}"}
    client.cookies.clear()
    assert client.get("/api/me/wrapped/2024", headers=auth).json()["listens"] == 19
    share = client.post("/api/me/wrapped/2024/shares", headers=auth).json()["url"]
    _submit(client, token, datetime(2024, 5, 1, 9, tzinfo=UTC), datetime(2024, 5, 2, 9, tzinfo=UTC))

    page = client.get(share)
    assert page.status_code == 200 and "19" in page.text
    assert client.get(f"{share}/preview.png").status_code == 200
    with transaction(container.sessions) as s:
        assert history.pending_folds(s, user_id=alice) == 1  # the anonymous reads folded nothing

    huey = container.jobs.huey
    huey.execute(next(t for t in huey.read_periodic(datetime.now()) if t.name == FOLD_TASK))
    assert "21" in client.get(share).text


def test_one_worker_runs_each_minutes_fold(client: TestClient, container: Container) -> None:
    """Every consumer's scheduler enqueues the minute's fold; a lease on the shared state lets one run it."""
    alice, token = _world(container)
    _submit(client, token, datetime(2024, 5, 1, 9, tzinfo=UTC), datetime(2024, 5, 2, 9, tzinfo=UTC))
    huey = container.jobs.huey
    task = next(t for t in huey.read_periodic(datetime.now()) if t.name == FOLD_TASK)
    with transaction(container.sessions) as s:
        marked = history.pending_folds(s, user_id=alice)
    assert marked >= 1
    other = container.state.acquire("lease:minutely:wrapped.fold", limit=1, lease_s=60)
    assert other is not None  # another worker is folding this minute
    huey.execute(task)
    with transaction(container.sessions) as s:
        assert history.pending_folds(s, user_id=alice) == marked  # this copy returned at once
    container.state.release(other)
    huey.execute(next(t for t in huey.read_periodic(datetime.now()) if t.name == FOLD_TASK))
    with transaction(container.sessions) as s:
        assert history.pending_folds(s, user_id=alice) == 0
