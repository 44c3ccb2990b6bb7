"""A NUL (U+0000) in any text a client sends is a client error, never a 500. PostgreSQL's text cannot hold it
and psycopg refused such a parameter with a DataError the faces answered 500, some before log-in (login,
the token endpoint, Subsonic's `u`). The database's refusal is now a 400 in each face's own shape."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import Role, User, create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.devices import create_device
from encore.web import create_app
from tests.web.conftest import PASSWORD, login

POSTGRES = "postgresql"


def _on_postgres(container: Container) -> bool:
    return container.settings.database_url.startswith(POSTGRES)


def _encore_refusal(r: object, container: Container) -> None:
    status, body = r.status_code, r.json()  # type: ignore[attr-defined]
    assert status < 500, body
    if _on_postgres(container):
        assert status == 400 and body["error"]["code"] == "nul_character", body


def test_before_log_in(client: TestClient, container: Container) -> None:
    login_nul = client.post("/api/auth/login", json={"username": "a\x00b", "password": "x"})
    assert login_nul.status_code == 422 and "NUL" in login_nul.json()["error"]["message"]  # every body's rule
    form = {"content": "grant_type=client_credentials&client_id=ab%00&client_secret=x"}
    form["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}  # type: ignore[assignment]
    with TestClient(create_app(container), base_url="http://localhost") as local:  # authlib: https or loopback
        token = local.post("/api/token", **form)  # type: ignore[arg-type]
        # refused as RFC 6749 refuses a malformed parameter, before anything reads it (on both databases)
        assert token.status_code == 400 and token.json()["error"] == "invalid_request", token.text
        basic = local.post("/api/token", data={"grant_type": "client_credentials"}, auth=("ab\x00", "x"))
        assert basic.status_code < 500, basic.text
    ping = client.get("/rest/ping", params={"u": "a\x00b", "p": "x", "v": "1.16.1", "c": "t", "f": "json"})
    assert ping.status_code < 500 and ping.json()["subsonic-response"]["status"] == "failed", ping.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/me/jobs?kind=a%00b",
        "/api/me/jobs/a%00b",
        "/api/browse/genres/a%00b",
        "/api/exclusives/a%00b",
        "/api/buy/album/a%00b/Bandcamp",
        "/api/oauth/consent?client_id=a%00b&response_type=code&redirect_uri=http://x",
    ],
)
def test_a_listeners_reads(client: TestClient, container: Container, listener: str, path: str) -> None:
    r = client.get(path, headers={"Authorization": f"Bearer {login(client, listener)}"}, follow_redirects=False)
    assert r.status_code < 500, r.text


def test_a_listeners_writes_and_subsonic(client: TestClient, container: Container, listener: str) -> None:
    h = {"Authorization": f"Bearer {login(client, listener)}"}
    assert client.delete("/api/developer/apps/a%00b", headers=h).status_code < 500
    assert client.delete("/api/me/grants/a%00b", headers=h).status_code < 500
    with transaction(container.sessions) as s:
        user = s.scalars(select(User).where(User.username == listener)).one()
        secret = container.settings.secret_key.get_secret_value().encode()
        key = create_device(s, user_id=user.id, name="phone", secret=secret, now=container.clock.now()).api_key
    for method, extra in (("getTopSongs", {"artist": "a\x00b"}), ("getLyrics", {"artist": "a\x00b", "title": "x\x00"})):
        r = client.get(f"/rest/{method}", params={"apiKey": key, "f": "json", "v": "1.16.1", "c": "t"} | extra)
        assert r.status_code < 500 and "subsonic-response" in r.json(), (method, r.text)


def test_the_token_endpoint_over_plain_http_off_loopback_says_so(client: TestClient) -> None:
    """authlib refuses OAuth over http except on loopback by raising outside its error handling: a 500 for
    an operator serving Encore on http://192.168.x.y. Now a 400 that says what to do."""
    r = client.post("/api/token", data={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "insecure_transport", r.text
    assert "https" in r.json()["error"]["message"]


def test_an_admins_search(client: TestClient, container: Container) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="boss", password=PASSWORD, role=Role.ADMIN)
    h = {"Authorization": f"Bearer {login(client, 'boss')}"}
    # refused before any database reads it, the same on both (fix31b: SQLite's LIKE ended the pattern at the NUL)
    searched = client.get("/api/admin/users?q=a%00b", headers=h)
    assert searched.status_code == 422 and "NUL" in searched.json()["error"]["fields"]["q"], searched.text
    assert client.put("/api/admin/users/a%00b/premium", json={"days": 30}, headers=h).status_code < 500
    assert client.post("/api/admin/accounts/a%00b/sign-out", headers=h).status_code < 500


@pytest.mark.parametrize("field", ["context_id", "device"])
def test_a_body_text_with_nul_is_refused_on_both_databases(
    client: TestClient, container: Container, listener: str, field: str
) -> None:
    """SQLite stored a NUL in a play's context and device (and a label's release title, an exclusive's
    title): text others are shown. Every JSON body refuses it (422), whatever the database."""
    from encore.history import Play
    from tests.catalog import factories as f

    with transaction(container.sessions) as s:
        band = f.artist(s, "Band")
        song = f.track(s, "Song", f.album(s, "LP", band), [band]).public_id
    h = {"Authorization": f"Bearer {login(client, listener)}"}
    body = {"play_id": "nul-play-1", "track_id": song, "started_at": container.clock.now().isoformat()}
    body |= {"ms_played": 60_000, "state": "ended", field: "x\x00y"}
    r = client.post("/api/plays", json=body, headers=h)
    assert r.status_code == 422 and "NUL" in r.json()["error"]["message"], r.text
    with container.sessions() as s:
        assert s.scalars(select(Play)).first() is None
    wrong = client.post("/api/auth/login", json={"username": listener, "password": "pass\x00word"})
    assert wrong.status_code == 401  # a password is compared, never stored: no NUL rule, the usual refusal
