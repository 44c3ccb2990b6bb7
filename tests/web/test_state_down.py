"""The shared state (Redis) down: every face answers 503 with Retry-After, never a 500 with a traceback, and
nothing is served or charged. The Redis URL points at a port nothing listens on, so each call fails at once."""

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.web import create_app
from encore.web._errors import STATE_DOWN_MESSAGE
from tests.catalog import factories as f
from tests.support.media import add_rendition
from tests.web.conftest import PASSWORD, login

AUDIO = b"OggS" + bytes(range(256)) * 40


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: nothing listens there


@pytest.fixture
def sqlite_only(tmp_path: Path, sqlite_template: Path) -> str:
    """One SQLite database both containers share (the faces' mapping does not depend on the database)."""
    path = tmp_path / "encore.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def up(tmp_path: Path, sqlite_only: str) -> Iterator[Container]:
    c = build(Settings(mode="dev", data_dir=tmp_path / "var", database_url=sqlite_only))
    yield c
    c.close()


@pytest.fixture
def down(tmp_path: Path, sqlite_only: str) -> Iterator[Container]:
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    c = build(Settings(mode="dev", data_dir=tmp_path / "var", database_url=sqlite_only, redis_url=url))
    yield c
    c.close()


def test_a_stream_url_is_503_with_retry_after_while_the_state_is_down(up: Container, down: Container) -> None:
    from encore.accounts import create_user

    with transaction(up.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
        artist = f.artist(s, "Down Band")
        track = f.track(s, "Down", f.album(s, "Downs", artist), [artist], duration_ms=120_000)
        add_rendition(up, s, track, AUDIO)
        track_id = track.public_id
    with TestClient(create_app(up), base_url="http://testserver") as issuing:
        token = login(issuing, "alice")
        issuing.cookies.clear()
        r = issuing.post(f"/api/tracks/{track_id}/stream", json={}, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        url = str(r.json()["url"])
    with TestClient(create_app(down), base_url="http://testserver", raise_server_exceptions=False) as serving:
        r = serving.get(url, headers={"Range": "bytes=0-3"})
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "5"
        assert b"OggS" not in r.content


def test_the_api_is_503_with_retry_after_while_the_state_is_down(down: Container) -> None:
    from encore.accounts import create_user

    with transaction(down.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
    with TestClient(create_app(down), base_url="http://testserver", raise_server_exceptions=False) as c:
        r = c.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "5"
        assert r.json()["error"]["code"] == "busy"
        # probe25b L5: the listener was told "Encore is busy" for the whole outage; the words say what is down
        assert r.json()["error"]["message"] == STATE_DOWN_MESSAGE


def test_subsonic_and_v1_say_busy_in_their_own_shapes_while_the_state_is_down(up: Container, down: Container) -> None:
    """A Subsonic client reads a subsonic-response (JSON, XML or JSONP) and a Spotify client Spotify's error
    object; Encore's own JSON shape would be unreadable to both."""
    from encore.accounts import create_user
    from encore.devices import create_device
    from tests.web.spotify.flows import client_token, register_app
    from tests.web.spotify.flows import login as web_login

    with transaction(up.sessions) as s:
        user = create_user(s, username="alice", password=PASSWORD)
        key = create_device(
            s,
            user_id=user.id,
            name="phone",
            secret=up.settings.secret_key.get_secret_value().encode(),
            now=up.clock.now(),
        ).api_key
        artist = f.artist(s, "Down Band")
        f.track(s, "Down", f.album(s, "Downs", artist), [artist], duration_ms=120_000)
    with TestClient(create_app(up), base_url="http://127.0.0.1") as issuing:  # OAuth wants https or loopback
        web_login(issuing, "alice", PASSWORD)  # type: ignore[arg-type]  # TestClient is an httpx.Client
        bearer = client_token(issuing, register_app(issuing))  # type: ignore[arg-type]
    with TestClient(create_app(down), base_url="http://testserver", raise_server_exceptions=False) as c:
        r = c.get("/rest/getAlbumList2", params={"apiKey": key, "type": "newest", "f": "json", "v": "1.16.1", "c": "t"})
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "5"
        assert r.json()["subsonic-response"]["status"] == "failed"
        assert r.json()["subsonic-response"]["error"]["message"] == STATE_DOWN_MESSAGE
        r = c.get("/rest/search3", params={"apiKey": key, "query": "down", "v": "1.16.1", "c": "t"})  # XML
        assert r.status_code == 503 and b"<subsonic-response" in r.content and b'status="failed"' in r.content
        r = c.get("/v1/tracks", params={"ids": "x"}, headers={"Authorization": f"Bearer {bearer}"})
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "5"
        assert r.json()["error"] == {"status": 503, "message": STATE_DOWN_MESSAGE}
