"""A query's answer is kept per catalogue version and each hit's JSON is written once (issue #16): every
search face must still show an edit on the very next request, and answer a kept query as a new one."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Track, reindex_track
from encore.db import transaction
from encore.devices import create_device
from encore.web import create_app
from tests.catalog import factories as f
from tests.web.spotify.flows import client_token, unlimited_app

Site = tuple[TestClient, dict[str, str], dict[str, str]]


@pytest.fixture
def site(container: Container) -> Iterator[Site]:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Qwerty Band")
        album = f.album(s, "Qwerty Nights", band)
        for i, title in enumerate(("Golden Qwerty", "Silent Qwerty", "Qwerty Dawn")):
            f.track(s, title, album, [band], number=i + 1)
        user = create_user(s, username="listener", password="listener-pass-1")
        key = create_device(s, user_id=user.id, name="app", secret=b"k" * 32, now=container.clock.now()).api_key
        app = unlimited_app(s, owner_id=user.id, now=container.clock.now())
    with TestClient(create_app(container), base_url="https://testserver") as http:
        yield http, {"apiKey": key, "f": "json"}, {"Authorization": f"Bearer {client_token(http, app)}"}


def _titles(site: Site, q: str) -> dict[str, Any]:
    http, auth, bearer = site
    api = http.get("/api/search", params={"q": q}).json()
    v1 = http.get("/v1/search", params={"q": q, "type": "track,artist,album"}, headers=bearer).json()
    sub = http.get("/rest/search3", params={**auth, "query": q}).json()["subsonic-response"]["searchResult3"]
    return {
        "api": ([t["title"] for t in api["tracks"]["items"]], api["tracks"]["total"], api["artists"]["total"]),
        "v1": ([t["name"] for t in v1["tracks"]["items"]], v1["tracks"]["total"], v1["artists"]["total"]),
        "search3": ([s["title"] for s in sub.get("song", [])], len(sub.get("song", [])), len(sub.get("artist", []))),
    }


def test_every_face_shows_an_edit_on_the_next_search(container: Container, site: Site) -> None:
    before = _titles(site, "qwerty")
    assert before["api"] == before["v1"] == (["Golden Qwerty", "Silent Qwerty", "Qwerty Dawn"], 3, 1)
    assert _titles(site, "qwerty") == before  # asked again: the kept answer, the same
    assert _titles(site, "golden qw")["api"][0] == ["Golden Qwerty"]
    with transaction(container.sessions) as s:
        track = s.scalar(select(Track).where(Track.title == "Golden Qwerty"))
        assert track is not None
        track.title = "Silver Azerty"
        reindex_track(s, track, album_title="Qwerty Nights")
    after = _titles(site, "golden qw")
    assert after["api"] == after["v1"] == ([], 0, 0), after  # the kept answer went with the edit
    assert after["search3"][0] == []
    renamed = _titles(site, "silver")
    assert renamed["api"][0] == renamed["v1"][0] == renamed["search3"][0] == ["Silver Azerty"]
    assert "Silver Azerty" in _titles(site, "qwerty")["v1"][0]  # still found by its album's name


def test_a_kept_answer_is_written_for_the_address_asked(site: Site) -> None:
    """/v1's hrefs are absolute: a hit's JSON written for one address is not served to another. The address is
    the one the connection reached, never a Host header (probe22)."""
    http, _, bearer = site
    params = {"q": "qwerty", "type": "track"}
    here = http.get("/v1/search", params=params, headers=bearer).json()["tracks"]["items"][0]["href"]
    other = http.get("https://music.example/v1/search", params=params, headers=bearer).json()
    told = http.get("/v1/search", params=params, headers={**bearer, "host": "evil.example"}).json()
    assert here.startswith("https://testserver/v1/tracks/")
    assert other["tracks"]["items"][0]["href"].startswith("https://music.example/v1/tracks/")
    assert told["tracks"]["items"][0]["href"].startswith("https://testserver/v1/tracks/")
