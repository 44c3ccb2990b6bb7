"""Sign out everywhere: after it, every face refuses the old credentials at the next request, in its own
error shape (player 401, Subsonic error 40/44, /v1 401, ListenBrainz "Token invalid"), and new log-ins work."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from encore.accounts import Role, create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.web import create_app
from tests.web.conftest import PASSWORD, login
from tests.web.spotify.flows import CSRF, register_app, user_token


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    # https: authlib's OAuth endpoints refuse plain http on any host but loopback
    with TestClient(create_app(container), base_url="https://testserver") as c:
        yield c


@dataclass
class Creds:
    username: str
    session: str
    api_key: str
    app_password: str
    bearer: str
    refresh: str
    listen: str


def _everything(client: TestClient, username: str) -> Creds:
    """One credential of every kind for `username`; the client's cookie is the player session."""
    session = login(client, username)
    device = client.post("/api/me/devices", json={"name": "phone"}, headers=CSRF).json()
    app = register_app(client)
    token = user_token(client, app)
    listen = client.post("/api/me/listen-token", headers=CSRF).json()["token"]
    client.cookies.clear()
    return Creds(username, session, device["api_key"], device["app_password"], token["access_token"],
                 token["refresh_token"], listen)  # fmt: skip


def _works(client: TestClient, c: Creds) -> dict[str, bool]:
    bearer = {"Authorization": f"Bearer {c.session}"}
    sub = client.get("/rest/ping", params={"u": c.username, "p": c.app_password, "f": "json", "v": "1.16.1", "c": "t"})
    key = client.get("/rest/ping", params={"apiKey": c.api_key, "f": "json", "v": "1.16.1", "c": "t"})
    v1 = client.get("/v1/me", headers={"Authorization": f"Bearer {c.bearer}"})
    lb = client.get("/1/validate-token", headers={"Authorization": f"Token {c.listen}"})
    return {
        "session": client.get("/api/me", headers=bearer).status_code == 200,
        "app_password": sub.json()["subsonic-response"]["status"] == "ok",
        "api_key": key.json()["subsonic-response"]["status"] == "ok",
        "v1": v1.status_code == 200,
        "listenbrainz": lb.json()["valid"],
    }


ALL = {"session": True, "app_password": True, "api_key": True, "v1": True, "listenbrainz": True}
NONE = dict.fromkeys(ALL, False)


def _refresh(client: TestClient, c: Creds, client_id: str) -> int:
    data = {"grant_type": "refresh_token", "refresh_token": c.refresh, "client_id": client_id}
    return client.post("/api/token", data=data).status_code


def test_a_listener_signs_out_everywhere(client: TestClient, container: Container, listener: str) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="other", password=PASSWORD)
    mine = _everything(client, listener)
    theirs = _everything(client, "other")
    assert _works(client, mine) == ALL

    auth = {"Authorization": f"Bearer {mine.session}"}
    assert client.post("/api/me/sign-out-everywhere", headers=auth).status_code == 204
    assert _works(client, mine) == NONE
    assert _works(client, theirs) == ALL  # one account only
    r = client.get("/api/me", headers=auth)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    sub = client.get("/rest/ping", params={"u": listener, "p": mine.app_password, "f": "json"}).json()
    assert sub["subsonic-response"]["error"]["code"] == 40
    v1 = client.get("/v1/me", headers={"Authorization": f"Bearer {mine.bearer}"})
    assert v1.status_code == 401 and v1.json()["error"]["status"] == 401
    apps = client.get("/api/developer/apps", headers={"Authorization": f"Bearer {login(client, listener)}"}).json()
    assert _refresh(client, mine, apps[0]["client_id"]) == 400  # no fresh token from an old refresh token
    client.cookies.clear()

    again = _everything(client, listener)  # signing in again works at once, for every kind
    assert _works(client, again) == ALL
    events = client.get("/api/me/security/events", headers={"Authorization": f"Bearer {again.session}"}).json()
    assert "security.signed_out" in [e["kind"] for e in events["items"]]


def test_an_admin_signs_out_one_account_or_everyone(client: TestClient, container: Container, listener: str) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password="root-pass-1234", role=Role.ADMIN)
        create_user(s, username="other", password=PASSWORD)
    mine, theirs = _everything(client, listener), _everything(client, "other")
    root = {"Authorization": f"Bearer {login(client, 'root', 'root-pass-1234')}"}
    client.cookies.clear()
    listener_auth = {"Authorization": f"Bearer {mine.session}"}
    assert client.post("/api/admin/accounts/other/sign-out", headers=listener_auth).status_code == 404  # admins only
    assert client.post("/api/admin/sign-out-everyone", headers=listener_auth).status_code == 404
    assert _works(client, theirs) == ALL

    assert client.post("/api/admin/accounts/nobody/sign-out", headers=root).status_code == 404
    assert client.post("/api/admin/accounts/other/sign-out", headers=root).status_code == 204
    assert _works(client, theirs) == NONE
    assert _works(client, mine) == ALL
    assert client.get("/api/me", headers=root).status_code == 200

    assert client.post("/api/admin/sign-out-everyone", headers=root).status_code == 204
    assert _works(client, mine) == NONE
    assert client.get("/api/me", headers=root).status_code == 401  # the admin too
    fresh = {"Authorization": f"Bearer {login(client, 'root', 'root-pass-1234')}"}
    assert client.get("/api/me", headers=fresh).status_code == 200
    kinds = [e["kind"] for e in client.get("/api/admin/audit?kind=security", headers=fresh).json()["items"]]
    assert kinds == ["security.signed_out_everyone", "security.signed_out"]


def test_a_listen_token_cut_by_a_sign_out_is_not_reported_as_there(
    client: TestClient, container: Container, listener: str
) -> None:
    """probe20 F4: after "Sign out everywhere" the player's API still said the dead token existed, with its hint,
    while every use was refused. Now it says the token was revoked, and a new one works and is reported."""
    root_user = "root"
    with transaction(container.sessions) as s:
        create_user(s, username=root_user, password="root-pass-1234", role=Role.ADMIN)
    mine = _everything(client, listener)
    auth = {"Authorization": f"Bearer {mine.session}"}
    shown = client.get("/api/me/listen-token", headers=auth).json()
    assert shown["exists"] and shown["hint"] == mine.listen[-4:] and shown["revoked"] is False
    assert shown["api_root"] == "https://testserver"  # what a ListenBrainz client calls its API root

    assert client.post("/api/me/sign-out-everywhere", headers=auth).status_code == 204
    again = {"Authorization": f"Bearer {login(client, listener)}"}
    client.cookies.clear()
    shown = client.get("/api/me/listen-token", headers=again).json()
    assert (shown["exists"], shown["hint"], shown["created_at"], shown["revoked"]) == (False, None, None, True)
    made = client.post("/api/me/listen-token", headers=again).json()
    assert client.get("/1/validate-token", headers={"Authorization": f"Token {made['token']}"}).json()["valid"]
    shown = client.get("/api/me/listen-token", headers=again).json()
    assert shown["exists"] and shown["hint"] == made["token"][-4:] and shown["revoked"] is False

    # everyone signed out by an admin: the same answer
    root = {"Authorization": f"Bearer {login(client, root_user, 'root-pass-1234')}"}
    assert client.post("/api/admin/sign-out-everyone", headers=root).status_code == 204
    client.cookies.clear()
    fresh = {"Authorization": f"Bearer {login(client, listener)}"}
    client.cookies.clear()
    shown = client.get("/api/me/listen-token", headers=fresh).json()
    assert (shown["exists"], shown["revoked"]) == (False, True)
