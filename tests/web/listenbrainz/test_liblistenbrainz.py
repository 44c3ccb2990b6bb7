"""The unmodified liblistenbrainz client from PyPI against a live Encore server on loopback."""

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from liblistenbrainz import Listen, ListenBrainz
from liblistenbrainz.errors import InvalidAuthTokenException, ListenBrainzAPIException

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.web import create_app
from tests.support.live import LiveServer, serve
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}


@pytest.fixture
def live(container: Container) -> Iterator[LiveServer]:
    with serve(container) as server:
        yield server


def _token(c: Container, name: str) -> str:
    with transaction(c.sessions) as s:
        user = create_user(s, username=name, password=PASSWORD)
        return regenerate_listen_token(s, user_id=user.id, now=c.clock.now())


def test_client_submits_and_reads_listens(live: LiveServer) -> None:
    token = _token(live.container, "scrobbler")
    lb = ListenBrainz(api_base_url=live.base_url)
    lb.set_auth_token(token)  # calls /1/validate-token and checks "valid"
    now = int(time.time())
    lb.submit_single_listen(Listen("Blue Hour", "Nova Choir", listened_at=now - 600, release_name="Dusk"))
    lb.submit_multiple_listens(
        [Listen(f"Track {i}", "Importer", listened_at=now - 7200 + i * 60, isrc="GBAAA2400001") for i in range(5)]
    )
    # the same listen again, and out of order: counted once
    lb.submit_single_listen(Listen("Blue Hour", "Nova Choir", listened_at=now - 600, release_name="Dusk"))
    got = lb.get_listens("scrobbler", count=100)
    assert [x.track_name for x in got] == ["Blue Hour", "Track 4", "Track 3", "Track 2", "Track 1", "Track 0"]
    assert got[0].release_name == "Dusk" and got[0].listened_at == now - 600
    older = lb.get_listens("scrobbler", max_ts=now - 600, count=2)
    assert [x.track_name for x in older] == ["Track 4", "Track 3"]
    assert lb.get_playing_now("scrobbler") is None
    lb.submit_playing_now(Listen("Now Song", "Live Artist"))
    playing = lb.get_playing_now("scrobbler")
    assert playing is not None and playing.track_name == "Now Song"


def test_bad_tokens_and_other_listeners(live: LiveServer) -> None:
    _token(live.container, "alice")
    bob_token = _token(live.container, "bob")
    lb = ListenBrainz(api_base_url=live.base_url)
    with pytest.raises(InvalidAuthTokenException):
        lb.set_auth_token("guessed-token")
    lb.set_auth_token(bob_token)
    for read in (
        lambda: lb.get_listens("alice"),
        lambda: lb.get_playing_now("alice"),
        lambda: lb.get_listens("nobody"),
    ):
        with pytest.raises(ListenBrainzAPIException) as err:
            read()
        assert err.value.status_code == 404


def test_token_is_shown_once_and_regenerating_revokes_the_old_one(container: Container) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="tok", password=PASSWORD)
    with TestClient(create_app(container), base_url="http://testserver") as client:
        login(client, "tok")
        assert client.get("/api/me/listen-token").json()["exists"] is False
        assert client.post("/api/me/listen-token").status_code == 403  # cookie writes need the CSRF header
        first = client.post("/api/me/listen-token", headers=CSRF).json()["token"]
        shown = client.get("/api/me/listen-token").json()
        assert shown["exists"] and shown["token"] is None and shown["hint"] == first[-4:]
        second = client.post("/api/me/listen-token", headers=CSRF).json()["token"]
        check = client.get("/1/validate-token", headers={"Authorization": f"Token {first}"}).json()
        assert check == {"code": 200, "message": "Token invalid.", "valid": False}
        check = client.get("/1/validate-token", headers={"Authorization": f"Token {second}"}).json()
        assert check["valid"] and check["user_name"] == "tok"
        client.cookies.clear()
        assert client.get("/api/me/listen-token").status_code == 401
