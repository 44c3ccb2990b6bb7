"""Premium exclusives: labels attach them to their own catalogue; a pre-release opens to all on its date."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from encore.accounts import Role, create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import FixedClock
from tests.catalog import factories as f
from tests.support.media import add_rendition
from tests.web.conftest import PASSWORD, login


def _h(client: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, name)}"}


@pytest.fixture
def world(container: Container) -> dict[str, str]:
    container.clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    with transaction(container.sessions) as s:
        ours, theirs = f.label(s, "Ours"), f.label(s, "Theirs")
        for name, label in (("ours", ours), ("theirs", theirs)):
            create_user(s, username=name, password=PASSWORD, role=Role.LABEL).label_id = label.id
        create_user(s, username="free", password=PASSWORD)
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        paid = create_user(s, username="paid", password=PASSWORD)
        artist = f.artist(s, "Ours Band")
        album = f.album(s, "Ours LP", artist, on=ours)
        demo = f.track(s, "Early demo", album, [artist], duration_ms=200_000)
        add_rendition(container, s, demo)
        other_artist = f.artist(s, "Theirs Band")
        other = f.album(s, "Theirs LP", other_artist, on=theirs)
        s.flush()
        return {
            "album": album.public_id,
            "artist": artist.public_id,
            "track": demo.public_id,
            "other_album": other.public_id,
            "other_artist": other_artist.public_id,
            "paid": paid.public_id,
        }


def _prerelease(client: TestClient, container: Container, world: dict[str, str]) -> dict[str, object]:
    body = {
        "kind": "prerelease",
        "title": "Next single",
        "album_id": world["album"],
        "track_id": world["track"],
        "availability": "prerelease",
        "release_at": (container.clock.now() + timedelta(days=7)).isoformat(),
    }
    r = client.post("/api/label/exclusives", json=body, headers=_h(client, "ours"))
    assert r.status_code == 201, r.text
    out: dict[str, object] = r.json()
    return out


def test_prerelease_locked_for_free_open_for_premium_then_for_all(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    ex = _prerelease(client, container, world)
    free = _h(client, "free")
    r = client.get(f"/api/exclusives/{ex['id']}", headers=free)
    assert r.status_code == 403 and r.json()["error"]["code"] == "premium_required_prerelease"
    listed = client.get(f"/api/albums/{world['album']}/exclusives", headers=free).json()
    assert listed[0]["locked"] is True and listed[0]["track_id"] is None
    r = client.post(f"/api/tracks/{world['track']}/stream", json={}, headers=free)
    assert r.status_code == 403 and r.json()["error"]["code"] == "premium_required_prerelease"

    grant = client.put(f"/api/admin/users/{world['paid']}/premium", json={"days": 30}, headers=_h(client, "root"))
    assert grant.status_code == 200
    paid = _h(client, "paid")
    opened = client.get(f"/api/exclusives/{ex['id']}", headers=paid).json()
    assert opened["locked"] is False and opened["track_id"] == world["track"]
    assert client.post(f"/api/tracks/{world['track']}/stream", json={}, headers=paid).status_code == 200

    container.clock.advance(7 * 86_400)  # type: ignore[attr-defined]
    assert client.get(f"/api/exclusives/{ex['id']}", headers=free).json()["reason"] == "released"
    assert client.post(f"/api/tracks/{world['track']}/stream", json={}, headers=free).status_code == 200


def test_labels_attach_only_to_their_own_catalogue(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    ours = _h(client, "ours")
    for target in ({"album_id": world["other_album"]}, {"artist_id": world["other_artist"]}):
        r = client.post("/api/label/exclusives", json={"kind": "interview", "title": "x", **target}, headers=ours)
        assert r.status_code == 404, target
    r = client.post(
        "/api/label/exclusives",
        json={"kind": "demo", "title": "x", "album_id": world["album"], "label_id": 2},
        headers=ours,
    )
    assert r.status_code == 422  # no choosing another label by mass assignment
    for who in ("free", "root"):
        r = client.post(
            "/api/label/exclusives",
            json={"kind": "demo", "title": "x", "album_id": world["album"]},
            headers=_h(client, who),
        )
        assert r.status_code == 404
    r = client.post(
        "/api/label/exclusives",
        json={"kind": "interview", "title": "Talk", "artist_id": world["artist"]},
        headers=ours,
    )
    assert r.status_code == 201 and r.json()["availability"] == "premium"
    r = client.post(
        "/api/label/exclusives",
        json={"kind": "prerelease", "title": "x", "album_id": world["album"], "availability": "prerelease"},
        headers=ours,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "release_at_required"


def test_locks_say_before_a_click_what_the_stream_decision_would_refuse(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    ex = _prerelease(client, container, world)
    free = _h(client, "free")
    ids = f"{world['track']},NoSuchTrack,{world['track']}"
    r = client.get(f"/api/me/locks?ids={ids}", headers=free)
    assert r.status_code == 200
    assert r.json() == {world["track"]: {"reason": "premium_required_prerelease", "release_at": ex["release_at"]}}
    # The same answer as the stream decision itself.
    streamed = client.post(f"/api/tracks/{world['track']}/stream", json={}, headers=free)
    assert streamed.json()["error"]["code"] == "premium_required_prerelease"
    grant = client.put(f"/api/admin/users/{world['paid']}/premium", json={"days": 30}, headers=_h(client, "root"))
    assert grant.status_code == 200
    assert client.get(f"/api/me/locks?ids={world['track']}", headers=_h(client, "paid")).json() == {}
    container.clock = FixedClock(container.clock.now() + timedelta(days=8))  # released: open to everyone
    assert client.get(f"/api/me/locks?ids={world['track']}", headers=free).json() == {}
    assert client.get("/api/me/locks?ids=" + "x" * 6000, headers=free).status_code == 422
