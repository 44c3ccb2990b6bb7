"""An album's and a song's Subsonic shape is written once and shared by every listener (#16): the caller's
own marks must still show on the next request and only to them, in JSON and XML, and a catalogue edit must
show on the next request."""

import xml.etree.ElementTree as ET
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.catalog import Track
from encore.db import transaction
from tests.web.subsonic.conftest import Site

NS = "{http://subsonic.org/restapi}"


def _json(http: TestClient, method: str, key: str, **params: Any) -> dict[str, Any]:
    r = http.get(f"/rest/{method}", params={"apiKey": key, "f": "json", **params})
    body: dict[str, Any] = r.json()["subsonic-response"]
    assert body["status"] == "ok", body
    return body


def _xml(http: TestClient, method: str, key: str, **params: Any) -> ET.Element:
    r = http.get(f"/rest/{method}", params={"apiKey": key, **params})
    root = ET.fromstring(r.content)
    assert root.get("status") == "ok", r.text
    return root


def _first_album(http: TestClient, key: str) -> dict[str, Any]:
    albums = _json(http, "getAlbumList2", key, type="alphabeticalByName", size=10)["albumList2"]["album"]
    album: dict[str, Any] = _json(http, "getAlbum", key, id=albums[0]["id"])["album"]
    assert len(album["song"]) >= 2
    return album


def test_marks_show_to_their_owner_only_on_the_next_request_in_json_and_xml(site: Site, http: TestClient) -> None:
    me, other = site.me.api_key, site.other.api_key
    album = _first_album(http, me)  # the shared shapes are built (and written) here
    _json(http, "getAlbumList2", other, type="alphabeticalByName", size=10)
    first, second = album["song"][0]["id"], album["song"][1]["id"]
    _json(http, "star", me, id=first)
    _json(http, "setRating", me, id=second, rating=4)
    _json(http, "setRating", me, id=album["id"], rating=5)

    mine = _json(http, "getAlbum", me, id=album["id"])["album"]
    songs = {s["id"]: s for s in mine["song"]}
    assert "starred" in songs[first] and "userRating" not in songs[first]
    assert songs[second]["userRating"] == 4 and "starred" not in songs[second]
    assert mine["userRating"] == 5
    assert all("starred" not in s and "userRating" not in s for i, s in songs.items() if i not in (first, second))
    listed = _json(http, "getAlbumList2", me, type="alphabeticalByName", size=10)["albumList2"]["album"]
    assert next(a for a in listed if a["id"] == album["id"])["userRating"] == 5

    root = _xml(http, "getAlbum", me, id=album["id"])
    by_id = {s.get("id"): s for s in root.iter(f"{NS}song")}
    assert by_id[first].get("starred") and by_id[second].get("userRating") == "4"
    assert root.find(f"{NS}album").get("userRating") == "5"  # type: ignore[union-attr]

    theirs = _json(http, "getAlbum", other, id=album["id"])["album"]
    assert "userRating" not in theirs
    assert all("starred" not in s and "userRating" not in s for s in theirs["song"])
    for s in _xml(http, "getAlbum", other, id=album["id"]).iter(f"{NS}song"):
        assert s.get("starred") is None and s.get("userRating") is None

    _json(http, "unstar", me, id=first)
    _json(http, "setRating", me, id=second, rating=0)
    _json(http, "setRating", me, id=album["id"], rating=0)
    again = _json(http, "getAlbum", me, id=album["id"])["album"]
    assert "userRating" not in again
    assert all("starred" not in s and "userRating" not in s for s in again["song"])


def test_a_catalogue_edit_shows_on_the_next_request(site: Site, http: TestClient) -> None:
    key = site.me.api_key
    album = _first_album(http, key)
    _xml(http, "getAlbum", key, id=album["id"])  # the XML is written and kept too
    target = album["song"][0]["id"].removeprefix("tr-")
    with transaction(site.container.sessions) as s:
        track = s.scalar(select(Track).where(Track.public_id == target))
        assert track is not None
        old, track.title = track.title, "Renamed <&> Ünïcode"
    try:
        got = _json(http, "getAlbum", key, id=album["id"])["album"]["song"][0]
        assert got["title"] == "Renamed <&> Ünïcode"
        root = _xml(http, "getAlbum", key, id=album["id"])
        assert next(root.iter(f"{NS}song")).get("title") == "Renamed <&> Ünïcode"
        found = _json(http, "getSong", key, id=album["song"][0]["id"])["song"]
        assert found["title"] == "Renamed <&> Ünïcode"
    finally:
        with transaction(site.container.sessions) as s:
            track = s.scalar(select(Track).where(Track.public_id == target))
            assert track is not None
            track.title = old
