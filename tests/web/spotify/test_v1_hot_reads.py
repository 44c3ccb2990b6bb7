"""/v1's hot reads (`Gate`: the token read on the DB-API cursor, a session only when the read needs one): the
same answers on SQLite and PostgreSQL, every check still made on every request, and the JSON kept only for
the configured public address."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.bootstrap import Container
from encore.catalog import Track
from encore.kernel import FixedClock
from encore.web import create_app
from tests.support.postgres import PostgresServer
from tests.web.spotify.conftest import PASSWORD, public_container
from tests.web.spotify.flows import App, client_token, login, register_app, user_token

PUBLIC = "http://localhost"  # the TestClient's own address, configured as the public base URL


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, Container, FixedClock]]:
    server: PostgresServer | None = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    clock = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    with public_container(tmp_path, server, clock, PUBLIC) as c, TestClient(create_app(c), base_url=PUBLIC) as client:
        login(client, "alice", PASSWORD)
        yield client, c, clock


def _tracks(c: Container) -> list[str]:
    with c.sessions() as s:
        return list(s.scalars(select(Track.public_id).order_by(Track.id).limit(5)))


def _kept(c: Container) -> list[tuple[object, ...]]:
    with c.catalogue_cache.views._lock:
        return [k for k in c.catalogue_cache.views._items if k[:2] in (("repr", "v1/tracks"), ("repr", "v1/search"))]


def test_made_up_hosts_get_the_public_address_s_kept_answers(api: tuple[TestClient, Container, FixedClock]) -> None:
    """With ENCORE_PUBLIC_BASE_URL set, a Host header changes nothing (probe15 F7): the hrefs are the public
    address's, the answers are the kept ones byte for byte, and made-up Hosts add nothing to the cache."""
    client, c, _ = api
    token = bearer(client_token(client, register_app(client)))
    ids = _tracks(c)
    asks = [*(f"/v1/tracks/{i}" for i in ids), "/v1/search?q=a&type=track,artist,album&limit=5"]
    public = [client.get(url, headers=token) for url in asks]
    assert all(r.status_code == 200 for r in public)
    assert public[0].json()["href"] == f"{PUBLIC}/v1/tracks/{ids[0]}"
    kept = _kept(c)
    assert ("repr", "v1/tracks", ids[0]) in kept and len(kept) > 1
    for i in range(30):
        host = {**token, "Host": f"made-up-{i}.example"}
        other = [client.get(url, headers=host) for url in asks]
        assert [r.content for r in other] == [r.content for r in public]
        assert f"made-up-{i}" not in "".join(r.text for r in other)
    assert _kept(c) == kept  # nothing added for the made-up hosts, nothing of the public address's evicted


def test_every_hot_read_checks_expiry_revocation_and_scope(api: tuple[TestClient, Container, FixedClock]) -> None:
    """Nothing about a token is kept: it expires, is revoked and loses access on the very next request."""
    client, c, clock = api
    app: App = register_app(client)
    track = _tracks(c)[0]
    expiring = user_token(client, app)["access_token"]
    revoked = user_token(client, app)["access_token"]
    for token in (expiring, revoked):
        assert client.get(f"/v1/tracks/{track}", headers=bearer(token)).status_code == 200
        assert client.get("/v1/search?q=a&type=track", headers=bearer(token)).status_code == 200
    r = client.post("/api/token/revoke", data={"token": revoked, "client_id": app.client_id})
    assert r.status_code == 200
    for path in (f"/v1/tracks/{track}", "/v1/search?q=a&type=track", "/v1/tracks/not-an-id"):
        answer = client.get(path, headers=bearer(revoked))
        assert answer.status_code == 401 and answer.json()["error"]["status"] == 401, path
        assert answer.json()["error"]["message"] == "Invalid access token: it was revoked", path
    assert client.get(f"/v1/tracks/{track}", headers=bearer(expiring)).status_code == 200
    clock.advance(2 * 3600)  # past the access token's hour
    for path in (f"/v1/tracks/{track}", "/v1/search?q=a&type=track"):
        answer = client.get(path, headers=bearer(expiring))
        assert answer.status_code == 401 and answer.json()["error"]["message"] == "The access token expired", path


def test_the_same_track_answer_on_both_databases(api: tuple[TestClient, Container, FixedClock]) -> None:
    """What the face answers for a user and for an app (is_playable from the stream decision's locks, read on
    the gate's connection) is the same on SQLite and PostgreSQL: compared with a golden built here from the
    catalogue rows, which both databases hold the same."""
    client, c, _ = api
    app = register_app(client)
    ids = _tracks(c)
    for token in (client_token(client, app), user_token(client, app)["access_token"]):
        for i in ids:
            body = client.get(f"/v1/tracks/{i}", headers=bearer(token)).json()
            assert body["id"] == i and body["is_playable"] is True and body["uri"] == f"spotify:track:{i}"
        many = client.get(f"/v1/tracks?ids={','.join(ids)}", headers=bearer(token)).json()["tracks"]
        assert [t["id"] for t in many] == ids and all(t["is_playable"] for t in many)
