"""F8 over HTTP: an app written for Spotify that asks for a scope Encore has nothing behind (`streaming`) gets
the rest, and the token response names what was granted; a word that is no scope at all refuses the consent
(invalid_scope, naming it), as Spotify refuses it."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from tests.web.spotify.flows import REDIRECT, App, authorize_query, code_from, consent, login, pkce, register_app

PASSWORD = "listener-pass-1"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from encore.web import create_app

    c = build(settings)
    with transaction(c.sessions) as s:
        create_user(s, username="alice", password=PASSWORD, email="alice@example.org")
    with TestClient(create_app(c), base_url="http://localhost") as http:
        login(http, "alice", PASSWORD)
        yield http
    c.close()


def _token(client: TestClient, app: App, scope: str) -> dict[str, object]:
    verifier, challenge = pkce()
    answer = consent(client, authorize_query(app, scope=scope, challenge=challenge))
    assert answer.status_code == 200, answer.text
    code, _ = code_from(answer.json()["redirect"])
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": app.client_id,
        "code_verifier": verifier,
    }
    r = client.post("/api/token", data=data)
    assert r.status_code == 200, r.text
    token: dict[str, object] = r.json()
    return token


def test_spotify_scopes_encore_lacks_are_named_in_the_token_and_open_nothing(client: TestClient) -> None:
    app = register_app(client)
    asked = "streaming user-read-email user-top-read app-remote-control"
    _, challenge = pkce()
    shown = client.get(f"/api/oauth/consent?{authorize_query(app, scope=asked, challenge=challenge)}")
    assert shown.status_code == 200, shown.text
    assert [s["scope"] for s in shown.json()["scopes"]] == ["user-read-email", "user-top-read"]
    assert shown.json()["not_granted"] == ["app-remote-control", "streaming"]
    token = _token(client, app, asked)
    # Named back, as spotipy wants every scope it asked for in the token's (review32c M1); nothing sits behind them
    assert token["scope"] == "user-read-email user-top-read app-remote-control streaming"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/v1/me/top/tracks", headers=headers).status_code == 200
    assert client.get("/v1/me/tracks", headers=headers).status_code == 403  # never asked, never granted


def test_only_unservable_scopes_give_a_token_of_no_encore_scope(client: TestClient) -> None:
    token = _token(client, register_app(client), "streaming")
    assert token["scope"] == "streaming"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/v1/me", headers=headers).status_code == 200  # the public profile, as with no scope
    assert client.get("/v1/me/tracks", headers=headers).status_code == 403


def test_the_granted_scope_is_in_every_token_response(client: TestClient) -> None:
    app = register_app(client)
    token = _token(client, app, "user-read-email")
    assert token["scope"] == "user-read-email"
    refreshed = client.post(
        "/api/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app.client_id},
    )
    assert refreshed.status_code == 200 and refreshed.json()["scope"] == "user-read-email"
    nothing = _token(client, app, "")
    assert nothing["scope"] == ""


@pytest.mark.parametrize(
    "scope",
    ["user-read-private admin", "streaming user-soa-link", "user-read-emails", "USER-READ-EMAIL"],
    ids=["admin", "partner-scope", "typo", "case"],
)
def test_a_word_that_is_no_scope_refuses_the_consent_by_name(client: TestClient, scope: str) -> None:
    app = register_app(client)
    _, challenge = pkce()
    query = authorize_query(app, scope=scope, challenge=challenge)
    r = client.get(f"/api/oauth/consent?{query}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_scope"
    assert scope.rsplit(maxsplit=1)[-1] in r.json()["error"]["message"]
    posted = consent(client, query)
    assert posted.status_code == 400 and "redirect" not in posted.json()


def test_a_refresh_keeps_what_was_asked_and_cannot_widen(client: TestClient) -> None:
    app = register_app(client)
    token = _token(client, app, "user-read-email streaming")
    data = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app.client_id}
    kept = client.post("/api/token", data={**data, "scope": "user-read-email streaming"})
    assert kept.status_code == 200 and kept.json()["scope"] == "user-read-email streaming"
    data["refresh_token"] = kept.json()["refresh_token"]
    widened = client.post("/api/token", data={**data, "scope": "user-read-email user-top-read"})
    assert widened.status_code == 400 and widened.json()["error"] == "invalid_scope"
