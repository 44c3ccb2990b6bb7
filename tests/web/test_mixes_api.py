"""/api/me/mixes: the listener's mixes built on first ask, one mix's tracks, another's mix 404, saving twice."""

from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.discovery.world import build
from tests.web.conftest import login

CSRF = {"X-Encore-CSRF": "1"}


def test_mixes_for_a_listener_and_bad_ids(client: TestClient, container: Container) -> None:
    with transaction(container.sessions) as s:
        build(s, container.clock.now())
        create_user(s, username="other", password="listener-pass-1")
    login(client, "other")
    cold = client.get("/api/me/mixes")
    assert cold.status_code == 200, cold.text
    assert [m["title"] for m in cold.json()] == ["Discover Weekly"]  # no history: Discover only
    mix = cold.json()[0]
    one = client.get(f"/api/me/mixes/{mix['id']}")
    assert one.status_code == 200 and len(one.json()["tracks"]) == mix["track_count"] > 0
    assert not {t["title"] for t in one.json()["tracks"]} & {"AD", "P1"}
    first = client.post(f"/api/me/mixes/{mix['id']}/save", headers=CSRF)
    again = client.post(f"/api/me/mixes/{mix['id']}/save", headers=CSRF)
    assert first.json()["created"] is True and again.json() == {**first.json(), "created": False}
    listed = client.get(f"/api/playlists/{first.json()['playlist_id']}/items")
    assert listed.status_code == 200
    for bad in ("A" * 22, "not-an-id", "%00", "x" * 41):
        assert client.get(f"/api/me/mixes/{bad}").status_code in (404, 422)
        assert client.post(f"/api/me/mixes/{bad}/save", headers=CSRF).status_code in (404, 422)
    with transaction(container.sessions) as s:
        create_user(s, username="third", password="listener-pass-1")
    client.post("/api/auth/logout", headers=CSRF)
    login(client, "third")
    assert client.get(f"/api/me/mixes/{mix['id']}").status_code == 404  # another listener's mix
    assert client.post(f"/api/me/mixes/{mix['id']}/save", headers=CSRF).status_code == 404
    client.post("/api/auth/logout", headers=CSRF)
    assert client.get("/api/me/mixes").status_code == 401
