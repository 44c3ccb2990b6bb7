"""/v1/me/wrapped/{year}: Encore's addition to the Spotify-compatible API, behind user-top-read."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from encore.db import transaction
from encore.oauth import SCOPES
from encore.web import create_app
from tests.insights.world import make_world
from tests.web.spotify.flows import login, register_app, user_token


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with transaction(container.sessions) as s:
        w = make_world(s)
        for day in range(1, 8):
            w.play(w.alice, 2, datetime(2024, 6, day, 8, tzinfo=UTC))
        w.play(w.alice, 0, datetime(2024, 6, 9, 8, tzinfo=UTC))
    with TestClient(create_app(container), base_url="http://localhost") as c:
        yield c


def _token(client: TestClient, username: str, password: str, scope: str) -> dict[str, str]:
    client.cookies.clear()
    login(client, username, password)
    app = register_app(client, name=f"{username}'s app")
    return {"Authorization": f"Bearer {user_token(client, app, scope=scope)['access_token']}"}


def test_wrapped_year_for_the_token_holder_only(client: TestClient) -> None:
    alice = _token(client, "alice", "alice-password-1", "user-top-read")
    r = client.get("/v1/me/wrapped/2024", headers=alice)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == "2024" and body["listens"] == 8
    assert [a["name"] for a in body["top_artists"]] == ["Omar Reyes", "Nina Vale"]
    assert body["longest_streak"]["days"] == 7 and body["clock_hour"][8] == 8
    bob = _token(client, "bob", "bob-password-12", "user-top-read")
    assert client.get("/v1/me/wrapped/2024", headers=bob).json()["listens"] == 0  # his own, never Alice's


def test_scope_and_bad_years(client: TestClient) -> None:
    without = _token(client, "alice", "alice-password-1", " ".join(s for s in SCOPES if s != "user-top-read"))
    r = client.get("/v1/me/wrapped/2024", headers=without)
    assert r.status_code == 403 and "scope" in r.json()["error"]["message"]
    alice = _token(client, "alice", "alice-password-1", "user-top-read")
    for bad, status in (("1999", 400), ("abcd", 400), ("2024x", 400), ("2024%3B%20drop", 400), ("9000", 404)):
        r = client.get(f"/v1/me/wrapped/{bad}", headers=alice)
        assert r.status_code == status, (bad, r.text)
        assert r.json()["error"]["status"] == status


def test_openapi_marks_it_as_an_encore_addition(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/v1/me/wrapped/{year}"]["get"]
    assert "Encore addition" in op["summary"] and "not part of Spotify's Web API" in op["description"]
    assert op["security"] == [{"encoreOAuth": ["user-top-read"]}]
