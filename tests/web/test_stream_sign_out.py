"""Signed stream URLs carry the account's sign-out generation: after "sign out everywhere", a forced password
reset or an admin's "sign out everyone", the URLs handed out before stop at their next request (the byte path
reads the cutoff from the shared state), not at their expiry. Others' URLs and new ones keep working."""

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from encore.accounts import Role, create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.media import add_rendition
from tests.support.redis import RedisServer
from tests.web.conftest import PASSWORD, login
from tests.web.spotify.flows import CSRF

AUDIO = b"OggS" + bytes(range(256)) * 40


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


@pytest.fixture(name="track_id")
def track_id_fixture(container: Container) -> str:
    return track_id(container)


def track_id(container: Container) -> str:
    with transaction(container.sessions) as s:
        for name in ("alice", "bob"):
            create_user(s, username=name, password=PASSWORD)
        create_user(s, username="admin", password=PASSWORD, role=Role.ADMIN)
        artist = f.artist(s, "Cut Band")
        track = f.track(s, "Cut", f.album(s, "Cuts", artist), [artist], duration_ms=120_000)
        add_rendition(container, s, track, AUDIO)
        return track.public_id


def _url(client: TestClient, username: str, track_id: str) -> str:
    token = login(client, username)
    client.cookies.clear()
    r = client.post(f"/api/tracks/{track_id}/stream", json={}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return str(r.json()["url"])


def _status(client: TestClient, url: str) -> tuple[int, str]:
    r = client.get(url, headers={"Range": "bytes=0-3"})
    return r.status_code, r.text if r.status_code == 403 else ""


def _as(client: TestClient, username: str) -> dict[str, str]:
    token = login(client, username)
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}", **CSRF}


def _disable(c: TestClient, username: str) -> None:
    admin = _as(c, "admin")
    found = c.get("/api/admin/users", params={"q": username}, headers=admin).json()["items"]
    c.patch(f"/api/admin/users/{found[0]['id']}", json={"active": False}, headers=admin).raise_for_status()


SIGN_OUTS: dict[str, Callable[[TestClient], None]] = {
    "sign out everywhere": lambda c: c.post("/api/me/sign-out-everywhere", headers=_as(c, "alice")).raise_for_status(),
    "forced reset": lambda c: c.post(
        "/api/admin/accounts/alice/password-reset", headers=_as(c, "admin")
    ).raise_for_status(),
    "admin signs alice out": lambda c: c.post(
        "/api/admin/accounts/alice/sign-out", headers=_as(c, "admin")
    ).raise_for_status(),
    "admin disables alice": lambda c: _disable(c, "alice"),
}


@pytest.mark.parametrize("how", SIGN_OUTS)
def test_an_accounts_urls_stop_at_once(client: TestClient, track_id: str, how: str) -> None:
    alices, bobs = _url(client, "alice", track_id), _url(client, "bob", track_id)
    assert _status(client, alices)[0] == 206 and _status(client, bobs)[0] == 206
    SIGN_OUTS[how](client)
    assert _status(client, alices) == (403, "stream URL refused: signed_out\n")
    assert _status(client, bobs)[0] == 206  # only alice was signed out
    if how not in ("forced reset", "admin disables alice"):  # alice must choose a password, or is cut off
        fresh = _url(client, "alice", track_id)
        assert "&g=" in fresh and _status(client, fresh)[0] == 206


def test_sign_out_everyone_stops_every_url(client: TestClient, track_id: str) -> None:
    alices, bobs = _url(client, "alice", track_id), _url(client, "bob", track_id)
    assert client.post("/api/admin/sign-out-everyone", headers=_as(client, "admin")).status_code == 204
    assert _status(client, alices)[0] == 403 and _status(client, bobs)[0] == 403
    assert _status(client, _url(client, "bob", track_id))[0] == 206


def test_the_generation_is_signed(client: TestClient, track_id: str) -> None:
    client.post("/api/me/sign-out-everywhere", headers=_as(client, "bob")).raise_for_status()  # generation > 0
    url = _url(client, "alice", track_id)
    assert "&g=" in url and _status(client, url)[0] == 206
    start = url.index("&g=") + 3
    end = url.index("&", start)
    raised = url[:start] + str(int(url[start:end]) + 1000) + url[end:]
    assert _status(client, raised) == (403, "stream URL refused: bad_signature\n")
    assert _status(client, url[:start] + "x" + url[end:]) == (403, "stream URL refused: malformed\n")


@pytest.fixture
def two_workers(settings: Settings, redis_server: RedisServer) -> Iterator[tuple[TestClient, TestClient, Container]]:
    """Two workers (two containers, two apps) on one database and one Redis, as `encore serve --workers 2`."""
    shared = settings.model_copy(update={"redis_url": redis_server.url, "redis_prefix": redis_server.new_prefix()})
    first, second = build(shared), build(shared)
    try:
        with (
            TestClient(create_app(first), base_url="http://testserver") as a,
            TestClient(create_app(second), base_url="http://testserver") as b,
        ):
            yield a, b, second
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("how", [*SIGN_OUTS, "sign out everyone"])
def test_another_workers_kept_answer_stops_at_once(
    two_workers: tuple[TestClient, TestClient, Container], how: str
) -> None:
    """A worker keeps a URL's "still signed in" answer (`StreamCutoffs.alive`, kept until Redis reports a cutoff
    written): a sign-out made through another worker stops the URL at this worker's very next request."""
    a, b, b_container = two_workers
    track = track_id(b_container)
    alices = _url(a, "alice", track)
    deadline = time.monotonic() + 10
    while not b_container.state.watching("signout:"):  # the first request starts the watch connection
        assert time.monotonic() < deadline, "the watch connection never came up"
        assert _status(b, alices)[0] == 206
        time.sleep(0.01)
    assert _status(b, alices)[0] == 206 and _status(b, alices)[0] == 206  # answered from what b keeps
    if how == "sign out everyone":
        assert a.post("/api/admin/sign-out-everyone", headers=_as(a, "admin")).status_code == 204
    else:
        SIGN_OUTS[how](a)
    assert _status(b, alices) == (403, "stream URL refused: signed_out\n")
    assert b_container.state.watching("signout:")  # refused from the report, not because the connection was down
