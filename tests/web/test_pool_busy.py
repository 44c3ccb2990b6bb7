"""Every pooled database connection checked out past the pool's wait is busy, not broken (review21 F2): each face
answers 503 with Retry-After in its own shape, as for a database lock held past the wait, never a 500 with a
traceback. The pool here holds one connection, and the test holds it."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.devices import create_device
from encore.web import create_app
from tests.web.spotify.flows import client_token, register_app
from tests.web.spotify.flows import login as web_login

PASSWORD = "pool-pass-1"


@pytest.fixture
def one_connection(settings: Settings) -> Iterator[Container]:
    c = build(settings.model_copy(update={"db_pool_size": 1, "db_pool_overflow": 0, "db_pool_timeout_s": 0.5}))
    yield c
    c.close()


def test_every_face_says_busy_while_the_pool_is_taken(one_connection: Container) -> None:
    c = one_connection
    with transaction(c.sessions) as s:
        user = create_user(s, username="alice", password=PASSWORD)
        secret = c.settings.secret_key.get_secret_value().encode()
        key = create_device(s, user_id=user.id, name="phone", secret=secret, now=c.clock.now()).api_key
    with TestClient(create_app(c), base_url="http://127.0.0.1", raise_server_exceptions=False) as http:
        web_login(http, "alice", PASSWORD)  # type: ignore[arg-type]  # TestClient is an httpx.Client
        bearer = client_token(http, register_app(http))  # type: ignore[arg-type]
        listen_token = http.post("/api/me/listen-token", headers={"X-Encore-CSRF": "1"}).json()["token"]
        session_token = http.post("/api/auth/login", json={"username": "alice", "password": PASSWORD}).json()["token"]
        http.cookies.clear()
        with c.engine.connect() as held:  # the pool's one connection, taken
            held.exec_driver_sql("SELECT 1")

            r = http.get("/api/me", headers={"Authorization": f"Bearer {session_token}"})
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "2" and r.json()["error"]["code"] == "busy"

            rest = {"apiKey": key, "type": "newest", "f": "json", "v": "1.16.1", "c": "t"}
            r = http.get("/rest/getAlbumList2", params=rest)
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "2" and r.json()["subsonic-response"]["status"] == "failed"
            r = http.post("/rest/getPlaylists", data={**rest, "f": "xml"})  # a POSTed form, answered in XML
            assert r.status_code == 503 and b'status="failed"' in r.content, r.text

            r = http.get("/v1/tracks", params={"ids": "x"}, headers={"Authorization": f"Bearer {bearer}"})
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "2" and r.json()["error"]["status"] == 503

            listens = {"listen_type": "single", "payload": [{"listened_at": 1_700_000_000, "track_metadata": {}}]}
            listens["payload"][0]["track_metadata"] = {"artist_name": "A", "track_name": "T"}  # type: ignore[index]
            lb = {"Authorization": f"Token {listen_token}"}
            r = http.post("/1/submit-listens", json=listens, headers=lb)
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "2" and r.json()["code"] == 503 and r.json()["error"]
            r = http.get("/1/validate-token", headers=lb)
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "2" and r.json()["code"] == 503 and r.json()["error"]

        # given back: the same requests are answered
        assert http.get("/api/me", headers={"Authorization": f"Bearer {session_token}"}).status_code == 200
        assert http.post("/1/submit-listens", json=listens, headers=lb).status_code == 200
