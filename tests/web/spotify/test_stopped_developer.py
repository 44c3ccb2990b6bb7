"""probe19 F6: a developer whose account is stopped (deletion asked, the erase job not yet run; or disabled by
the operator) has an app that is as if deleted: listeners' tokens, refresh grants, client-credentials tokens,
consent and authorization are all refused at once, not when the erase job deletes the app."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from encore.accounts import User, create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.web import create_app
from tests.web.spotify.flows import (
    ALL_SCOPES,
    App,
    authorize_query,
    client_token,
    login,
    pkce,
    register_app,
    user_token,
)

PASSWORD = "listener-pass-1"


@pytest.fixture
def api(settings: Settings) -> Iterator[tuple[TestClient, Container]]:
    c = build(settings)
    with transaction(c.sessions) as s:
        for name in ("dev", "alice", "carol"):
            create_user(s, username=name, password=PASSWORD)
    with TestClient(create_app(c), base_url="http://localhost") as client:
        yield client, c
    c.close()


def _stop(c: Container, username: str, active: bool = False) -> None:
    with transaction(c.sessions) as s:  # what delete-account (request_erase) and `encore user disable` set
        s.execute(update(User).where(User.username == username).values(is_active=active))


def _app_and_grant(client: TestClient) -> tuple[App, dict[str, str], str]:
    login(client, "dev", PASSWORD)
    app = register_app(client)
    client.cookies.clear()
    login(client, "alice", PASSWORD)
    granted = user_token(client, app)
    client.cookies.clear()
    return app, granted, client_token(client, app)


def test_a_stopped_developers_app_stops_for_everyone(api: tuple[TestClient, Container]) -> None:
    client, c = api
    app, granted, app_token = _app_and_grant(client)
    bearer = {"Authorization": f"Bearer {granted['access_token']}"}
    assert client.get("/v1/me", headers=bearer).status_code == 200
    _stop(c, "dev")

    for path in ("/v1/me", "/v1/me/playlists", "/v1/search?q=a&type=track"):
        assert client.get(path, headers=bearer).status_code == 401, path
    catalogue = client.get("/v1/search?q=a&type=track", headers={"Authorization": f"Bearer {app_token}"})
    assert catalogue.status_code == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": granted["refresh_token"], "client_id": app.client_id}
    assert client.post("/api/token", data=refresh).status_code in (400, 401)
    credentials = client.post(
        "/api/token", data={"grant_type": "client_credentials"}, auth=(app.client_id, app.client_secret)
    )
    assert credentials.status_code in (400, 401) and "access_token" not in credentials.json()

    login(client, "carol", PASSWORD)  # a new listener can neither see the consent page nor authorize the app
    query = authorize_query(app, scope=ALL_SCOPES, challenge=pkce()[1])
    assert client.get(f"/api/oauth/consent?{query}").status_code >= 400
    answer = client.post("/api/oauth/authorize", json={"query": query, "approve": True}, headers={"X-Encore-CSRF": "1"})
    assert answer.status_code >= 400 or "code=" not in str(answer.json().get("redirect", ""))


def test_the_app_works_again_when_the_operator_enables_the_developer(api: tuple[TestClient, Container]) -> None:
    client, c = api
    app, granted, _ = _app_and_grant(client)
    _stop(c, "dev")
    _stop(c, "dev", active=True)
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {granted['access_token']}"}).status_code == 200
    assert client_token(client, app)
