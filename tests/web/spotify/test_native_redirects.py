"""Native apps' redirect URIs (RFC 8252 §7.1, probe21a F4): a private-use scheme is registered and carries the
whole authorization code + PKCE flow; it is matched exactly like any other; schemes that are no app's are refused."""

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.web import create_app
from tests.web.spotify.flows import CSRF, App, authorize_query, code_from, consent, login, pkce, register_app

PASSWORD = "listener-pass-1"
NATIVE = ("com.example.encoreapp:/oauth2redirect", "my-app://callback")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    c = build(settings)
    with transaction(c.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
    with TestClient(create_app(c), base_url="http://localhost") as http:
        login(http, "alice", PASSWORD)
        yield http
    c.close()


@pytest.mark.parametrize("redirect", NATIVE, ids=["reverse-dns", "custom-scheme"])
def test_a_native_app_signs_in_through_its_own_scheme(client: TestClient, redirect: str) -> None:
    app = register_app(client, redirect_uris=NATIVE)
    verifier, challenge = pkce()
    answer = consent(
        client, authorize_query(app, scope="user-read-private", challenge=challenge, redirect_uri=redirect)
    )
    assert answer.status_code == 200, answer.text
    back = answer.json()["redirect"]
    assert back.startswith(redirect + "?") and urlsplit(back).scheme == urlsplit(redirect).scheme
    code, state = code_from(back)
    assert state == "st4te"
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "client_id": app.client_id}
    token = client.post("/api/token", data={**data, "code_verifier": verifier})
    assert token.status_code == 200, token.text
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["display_name"] == f"Listener {me.json()['id'][:4]}"  # no name chosen


@pytest.mark.parametrize(
    "asked",
    [
        "my-app://callback/",
        "my-app://Callback",
        "MY-APP://callback",  # the scheme in capitals: another string
        "my-app://callback?x=1",
        "com.example.encoreapp:/",
    ],
)
def test_a_native_redirect_is_matched_exactly(client: TestClient, asked: str) -> None:
    app: App = register_app(client, redirect_uris=NATIVE)
    _, challenge = pkce()
    r = consent(client, authorize_query(app, scope="", challenge=challenge, redirect_uri=asked))
    assert r.status_code == 400 and "redirect" not in r.json()


@pytest.mark.parametrize(
    "uri",
    [
        "JavaScript:alert(1)",
        "javascript://x/%0aalert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "about:blank",
        "blob:https://app.example/1234",
        "view-source:https://app.example/",
        "ws://app.example/cb",
        "my-app:",
        "my-app://",
        "my_app://callback",
        "my-app://callback#frag",
    ],
)
def test_schemes_that_are_no_app_are_refused_at_registration(client: TestClient, uri: str) -> None:
    r = client.post("/api/developer/apps", json={"name": "x", "redirect_uris": [uri]}, headers=CSRF)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "bad_redirect_uri" and uri in r.json()["error"]["message"]
    assert client.get("/api/developer/apps").json() == []
