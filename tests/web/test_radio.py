"""/api/radio: radio from a track, artist, album or playlist; autoplay after the queue; the setting; bad input."""

from fastapi.testclient import TestClient

from encore import library
from encore.bootstrap import Container
from encore.db import transaction
from tests.discovery.world import World, build
from tests.web.conftest import login

CSRF = {"X-Encore-CSRF": "1"}


def _world(container: Container, listener: str) -> World:
    from encore.accounts import get_user_by_name

    with transaction(container.sessions) as s:
        w = build(s, container.clock.now())
        me = get_user_by_name(s, username=listener)
        assert me is not None
        mix = library.create_playlist(s, owner_id=me.id, name="Mix", now=container.clock.now())
        library.add_to_playlist(
            s, playlist_id=mix.id, user_id=me.id, track_ids=[w.tracks["A2"]], now=container.clock.now()
        )
        w.tracks["playlist"] = mix.id
    return w


def _titles(r: object) -> list[str]:
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    return [t["title"] for t in r.json()["tracks"]]  # type: ignore[attr-defined]


def test_radio_from_each_kind_of_seed(client: TestClient, container: Container, listener: str) -> None:
    w = _world(container, listener)
    login(client, listener)
    track = _titles(client.get(f"/api/radio/track/{w.tracks['A1']}"))
    assert track[:2] == ["A1", "B1"] and not {"AD", "P1"} & set(track)  # the seed, then similar; no ad, no locked
    assert _titles(client.get(f"/api/radio/artist/{w.artists['Ada']}"))[0] in {"B1", "B2"}
    album = client.get(f"/api/radio/album/{w.tracks['A1']}")  # a track id is no album
    assert album.status_code == 404
    assert _titles(client.get(f"/api/radio/playlist/{w.tracks['playlist']}"))[0] == "B2"
    assert client.get(f"/api/radio/mood/{w.tracks['A1']}").status_code in (404, 422)
    assert client.get("/api/radio/track/" + "A" * 22).status_code == 404


def test_autoplay_continues_after_the_queue_and_respects_the_setting(
    client: TestClient, container: Container, listener: str
) -> None:
    w = _world(container, listener)
    login(client, listener)
    body = {"after": [w.tracks["A2"], w.tracks["A1"]], "exclude": [w.tracks["A2"], w.tracks["A1"], w.tracks["B2"]]}
    r = client.post("/api/radio/next", json=body, headers=CSRF)
    assert r.json()["autoplay"] is True and _titles(r)[0] == "B1" and "B2" not in _titles(r)
    cold = client.post("/api/radio/next", json={"after": [w.tracks["C1"]], "exclude": [w.tracks["C1"]]}, headers=CSRF)
    assert _titles(cold)[0] == "C2" and not {"C1", "AD", "P1"} & set(_titles(cold))  # then anything popular
    client.patch("/api/me/discovery", json={"autoplay": False}, headers=CSRF)
    off = client.post("/api/radio/next", json=body, headers=CSRF)
    assert off.json() == {"autoplay": False, "tracks": []}


def test_autoplay_refuses_bad_bodies(client: TestClient, container: Container, listener: str) -> None:
    login(client, listener)
    for body in ({"after": []}, {"after": ["x"] * 11}, {"after": ["x"], "limit": 0}, {"after": "x"}):
        r = client.post("/api/radio/next", json=body, headers=CSRF)
        assert r.status_code == 422 and "error" in r.json(), body
    unknown = client.post("/api/radio/next", json={"after": ["A" * 22]}, headers=CSRF)
    assert unknown.status_code == 200 and unknown.json()["tracks"] == []


def test_playlist_radio_skips_tracks_no_longer_listed(client: TestClient, container: Container, listener: str) -> None:
    from sqlalchemy import update

    from encore import catalog
    from encore.catalog import Track

    w = _world(container, listener)
    with transaction(container.sessions) as s:
        playlist = w.tracks["playlist"]
        owner = _user_id(s, listener)
        now = container.clock.now()
        library.add_to_playlist(s, playlist_id=playlist, user_id=owner, track_ids=[w.tracks["C1"]], now=now)
        s.execute(update(Track).where(Track.public_id == w.tracks["C1"]).values(is_ad=True))  # since made an ad
        catalog.catalogue_changed(s)
    login(client, listener)
    assert _titles(client.get(f"/api/radio/playlist/{w.tracks['playlist']}"))[0] == "B2"


def _user_id(s: object, name: str) -> int:
    from encore.accounts import get_user_by_name

    me = get_user_by_name(s, username=name)  # type: ignore[arg-type]
    assert me is not None
    return me.id
