"""F8 over HTTP: an app written for Spotify that asks for a scope Encore has nothing behind (`streaming`) gets
the rest, and the token response names what was granted; a word that is no scope at all refuses the consent
(invalid_scope, naming it), as Spotify refuses it."""

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from spotipy.oauth2 import SpotifyOauthError, SpotifyPKCE

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


def test_a_word_that_is_no_scope_goes_back_to_the_app_with_invalid_scope(client: TestClient) -> None:
    """review32c L7, RFC 6749 §4.1.2.1: the refusal reaches the app at its registered redirect URI, with its state,
    as a denial does (access_denied), and spotipy reads it there as the server's error. An unknown app or a URI it
    did not register keeps Encore's page: a redirect there could be sent anywhere."""
    app = register_app(client)
    _, challenge = pkce()
    query = authorize_query(app, scope="user-read-private bogus-scope", challenge=challenge, state="xyz")
    r = client.get(f"/authorize?{query}", follow_redirects=False)
    assert r.status_code == 302, r.text
    location = r.headers["location"]
    assert location.startswith(REDIRECT + "?")
    answer = parse_qs(urlsplit(location).query)
    assert answer["error"] == ["invalid_scope"] and answer["state"] == ["xyz"]
    assert "bogus-scope" in answer["error_description"][0]
    with pytest.raises(SpotifyOauthError, match="invalid_scope"):
        SpotifyPKCE.parse_auth_response_url(location)
    stateless = authorize_query(app, scope="bogus-scope", challenge=challenge, state=None)
    sent_back = client.get(f"/authorize?{stateless}", follow_redirects=False).headers["location"]
    assert "state" not in parse_qs(urlsplit(sent_back).query)  # none asked with, none sent back
    elsewhere = authorize_query(
        app, scope="bogus-scope", challenge=challenge, redirect_uri="http://127.0.0.1:9/not-registered"
    )
    unknown = query.replace(app.client_id, "0" * len(app.client_id))
    fine = authorize_query(app, scope="user-read-private streaming", challenge=challenge)
    # a response type that is not "code", or none: that error comes first, and the page says it (review32e L2)
    implicit = query.replace("response_type=code", "response_type=token")
    untyped = query.replace("response_type=code&", "")
    assert query not in (implicit, untyped)
    for page in (elsewhere, unknown, fine, implicit, untyped):
        shown = client.get(f"/authorize?{page}", follow_redirects=False)
        assert shown.status_code == 200 and "text/html" in shown.headers["content-type"], page
