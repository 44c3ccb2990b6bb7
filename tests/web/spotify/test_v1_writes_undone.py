"""A /v1 write refused half way leaves nothing behind, on SQLite and PostgreSQL, while the app's usage count
(written in the same transaction, before the write) is kept: a refused request still counts."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.catalog import Track
from encore.config import Settings
from encore.db import transaction
from encore.oauth import OAuthApp
from encore.web import create_app
from tests.catalog import factories as f
from tests.web.spotify.flows import login, register_app, user_token

PASSWORD = "listener-pass-1"
UNKNOWN = "0" * 22


@pytest.fixture
def api(settings: Settings) -> Iterator[tuple[TestClient, Container, str]]:
    c = build(settings)
    with transaction(c.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
        band = f.artist(s, "Undone Band")
        track: Track = f.track(s, "Undone", f.album(s, "Undone Album", band), [band], number=1)
        track_id = track.public_id
    with TestClient(create_app(c), base_url="http://localhost") as client:
        login(client, "alice", PASSWORD)
        yield client, c, track_id
    c.close()


def test_a_write_refused_half_way_is_undone_and_still_counted(
    api: tuple[TestClient, Container, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, c, track = api
    monkeypatch.setattr("encore.oauth._rates.USAGE_FLUSH_S", 0.0)  # every request writes its counts
    app = register_app(client)
    auth = {"Authorization": f"Bearer {user_token(client, app)['access_token']}"}
    uris = f"spotify:track:{track},spotify:album:{UNKNOWN}"  # the track is saved first, then the album fails
    assert client.put(f"/v1/me/library?uris={uris}", headers=auth).status_code == 404
    playlist = client.post("/v1/me/playlists", headers=auth, json={"name": "Kept", "public": False}).json()["id"]
    bad = {"uris": [f"spotify:track:{track}", f"spotify:track:{UNKNOWN}"]}
    assert client.post(f"/v1/playlists/{playlist}/items", headers=auth, json=bad).status_code == 404
    assert client.get(f"/v1/me/tracks/contains?ids={track}", headers=auth).json() == [False]
    assert client.get(f"/v1/playlists/{playlist}/items", headers=auth).json()["total"] == 0
    assert client.put(f"/v1/me/library?uris=spotify:track:{track}", headers=auth).status_code == 200
    assert client.get(f"/v1/me/tracks/contains?ids={track}", headers=auth).json() == [True]  # a good one stays
    with c.sessions() as s:
        count = s.scalar(select(OAuthApp.request_count).where(OAuthApp.client_id == app.client_id))
    assert count == 7  # every request, the two refused ones included
