"""The history page's API: the full history a page at a time with filters, and forgetting plays (one, a
range, everything), each deletion read back through the Wrapped API."""

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.accounts import User
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import ListenIn, Play, submit_listens
from tests.insights.world import make_world
from tests.support.jobs import import_through_job, run_jobs
from tests.web.conftest import login

CSRF = {"X-Encore-CSRF": "1"}


@pytest.fixture
def alice(client: TestClient, container: Container) -> TestClient:
    """Alice: 12 catalogue plays in Feb 2024, 3 in Jan 2023, and 2 imported text listens in 2023; Bob has one."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        for day in range(1, 13):
            w.play(w.alice, day % 5, datetime(2024, 2, day, 20, tzinfo=UTC))
        for day in (3, 4, 5):
            w.play(w.alice, 2, datetime(2023, 1, day, 9, tzinfo=UTC))  # Gravel by Omar Reyes
        w.play(w.bob, 0, datetime(2024, 2, 1, 20, tzinfo=UTC))
        w.flush()
        imported = [
            ListenIn(datetime(2023, 6, 1, 8, tzinfo=UTC), "Far Band", "100% Proof_"),
            ListenIn(datetime(2023, 6, 2, 8, tzinfo=UTC), "Far Band", "Other Song"),
        ]
        submit_listens(s, user_id=w.alice, listens=imported, source="import", now=datetime.now(UTC))
    login(client, "alice", "alice-password-1")
    return client


def _all(client: TestClient, query: str = "", limit: int = 5) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = ""
    while True:
        r = client.get(f"/api/me/history?limit={limit}{query}{cursor}")
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        if not body["next"]:
            return items
        cursor = f"&cursor={body['next']}"


def _listens(client: TestClient, period: str) -> int:
    r = client.get(f"/api/me/wrapped/{period}")
    assert r.status_code == 200, r.text
    return int(r.json()["listens"])


def test_pages_cover_the_whole_history_newest_first_and_only_the_callers(alice: TestClient) -> None:
    first = alice.get("/api/me/history?limit=5").json()
    assert first["total"] == 17 and len(first["items"]) == 5 and first["next"]
    items = _all(alice)
    assert len(items) == 17 and len({i["play_id"] for i in items}) == 17
    times = [str(i["played_at"]) for i in items]
    assert times == sorted(times, reverse=True)
    top = items[0]
    assert top["track"]["title"] == "Gravel" and top["imported"] is False  # type: ignore[index]
    text_only = [i for i in items if i["track"] is None]
    assert {i["track_name"] for i in text_only} == {"100% Proof_", "Other Song"}
    assert all(i["imported"] for i in text_only)
    later = alice.get(f"/api/me/history?limit=5&cursor={first['next']}").json()
    assert later["total"] is None  # counted once, on the first page


def test_filters_by_text_source_and_dates(alice: TestClient) -> None:
    gravel = _all(alice, "&q=gRAVel")  # a catalogue title, the play itself holds no text
    assert len(gravel) == 6 and {i["track"]["title"] for i in gravel} == {"Gravel"}  # type: ignore[index]
    omar = _all(alice, "&q=omar")  # an artist, Lantern has two artists
    assert len(omar) == 11 and {i["track"]["title"] for i in omar} == {"Gravel", "Mirage", "Lantern"}  # type: ignore[index]
    assert len(_all(alice, "&q=100%25")) == 1  # % and _ are text here, not LIKE wildcards
    assert len(_all(alice, "&q=%25")) == 1 and len(_all(alice, "&q=_")) == 1
    assert len(_all(alice, "&source=imported")) == 2 and len(_all(alice, "&source=encore")) == 15
    year = _all(alice, "&since=2023-01-01T00:00:00Z&until=2024-01-01T00:00:00Z")
    assert len(year) == 5
    both = _all(alice, "&since=2023-01-01T00:00:00Z&until=2024-01-01T00:00:00Z&source=encore&q=gravel")
    assert len(both) == 3


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("source=spotify", 400, "bad_source"),
        ("cursor=bm90LWEtY3Vyc29y", 400, "bad_cursor"),
        ("cursor=%%%", 400, "bad_cursor"),
        ("since=2024-01-01T00:00:00Z&until=2023-01-01T00:00:00Z", 400, "bad_range"),
        ("since=2024-01-01T00:00:00", 422, None),  # no time zone: which midnight?
        ("q=a%00b", 400, "bad_text"),
        ("limit=1000", 422, None),
        ("q=" + "x" * 201, 422, None),
    ],
)
def test_bad_queries_are_refused_never_500(alice: TestClient, query: str, status: int, code: str | None) -> None:
    r = alice.get(f"/api/me/history?{query}")
    assert r.status_code == status, r.text
    if code:
        assert r.json()["error"]["code"] == code


def test_delete_one_play_and_wrapped_forgets_it(alice: TestClient, container: Container) -> None:
    assert _listens(alice, "2024") == 12 and _listens(alice, "2020s") == 17  # built now, stored
    newest = _all(alice)[0]
    r = alice.delete(f"/api/me/history/plays/{newest['play_id']}", headers=CSRF)
    assert r.status_code == 204, r.text
    assert len(_all(alice)) == 16
    assert _listens(alice, "2024") == 11 and _listens(alice, "2020s") == 16
    again = alice.delete(f"/api/me/history/plays/{newest['play_id']}", headers=CSRF)
    assert again.status_code == 404 and again.json()["error"]["code"] == "no_play"
    with container.sessions() as s:
        bobs = s.scalar(select(Play.client_play_id).join(User, User.id == Play.user_id).where(User.username == "bob"))
    assert alice.delete(f"/api/me/history/plays/{bobs}", headers=CSRF).status_code == 404  # someone else's
    assert _count(container) == 17  # Bob's play is still there


def _count(container: Container) -> int:
    with container.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Play)) or 0)


def test_delete_a_range_as_a_job_and_wrapped_forgets_it(alice: TestClient, container: Container) -> None:
    assert _listens(alice, "2023") == 5 and _listens(alice, "2024") == 12
    r = alice.delete("/api/me/history?since=2023-01-04T00:00:00Z&until=2023-06-02T00:00:00Z", headers=CSRF)
    assert r.status_code == 202, r.text
    run_jobs(container)
    job = alice.get(f"/api/me/jobs/{r.json()['id']}").json()
    assert job["state"] == "done" and job["result"] == {"deleted": 3, "exports_deleted": 0}, job  # Jan 4, Jan 5, Jun 1
    assert _listens(alice, "2023") == 2 and _listens(alice, "2024") == 12
    left = _all(alice, "&since=2023-01-01T00:00:00Z&until=2024-01-01T00:00:00Z")
    assert [i["played_at"][:10] for i in left] == ["2023-06-02", "2023-01-03"]  # type: ignore[index]


def test_delete_everything_leaves_nothing_for_wrapped(alice: TestClient, container: Container) -> None:
    assert _listens(alice, "2024") == 12
    r = alice.delete("/api/me/history?everything=true", headers=CSRF)
    assert r.status_code == 202, r.text
    run_jobs(container)
    assert alice.get(f"/api/me/jobs/{r.json()['id']}").json()["result"] == {"deleted": 17, "exports_deleted": 0}
    assert _all(alice) == [] and alice.get("/api/me/wrapped").json() == {"periods": []}
    assert _listens(alice, "2024") == 0
    assert _count(container) == 1  # Bob's


@pytest.mark.parametrize(
    "query",
    [
        "",  # neither a range nor everything
        "since=2023-01-01T00:00:00Z",  # half a range
        "since=2023-01-01T00:00:00Z&until=2024-01-01T00:00:00Z&everything=true",
        "since=2024-01-01T00:00:00Z&until=2024-01-01T00:00:00Z",
    ],
)
def test_bad_deletions_are_refused_and_delete_nothing(alice: TestClient, container: Container, query: str) -> None:
    r = alice.delete(f"/api/me/history?{query}", headers=CSRF)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_range", r.text
    said = r.json()["error"]["message"]
    assert ("not both" in said) == ("everything=true" in query)  # each mistake is named as it is
    run_jobs(container)
    assert _count(container) == 18


def test_deleting_needs_login_and_the_csrf_header(client: TestClient, alice: TestClient) -> None:
    assert alice.delete("/api/me/history?everything=true").status_code == 403
    alice.cookies.clear()
    assert alice.get("/api/me/history").status_code == 401


def test_an_import_into_a_year_already_wrapped_shows_up_in_it(alice: TestClient, container: Container) -> None:
    """Wrapped snapshots are stored once built; an import from the history page adds to a year the listener
    already looked at, and the next read of that Wrapped counts it."""
    assert _listens(alice, "2024") == 12 and _listens(alice, "2020s") == 17  # built and stored
    rows = [
        {"ts": f"2024-04-0{d}T20:00:00Z", "ms_played": 200_000, "master_metadata_track_name": "Imported",
         "master_metadata_album_artist_name": "Elsewhere", "master_metadata_album_album_name": "Away",
         "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "incognito_mode": False}
        for d in range(1, 4)
    ]  # fmt: skip
    done = import_through_job(alice, container, json.dumps(rows).encode(), "Streaming_History_Audio_2024.json")
    assert done["status"] == 200 and done["imported"] == 3, done
    assert _listens(alice, "2024") == 15 and _listens(alice, "2020s") == 20
