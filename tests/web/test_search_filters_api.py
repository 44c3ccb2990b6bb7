"""The player's search reads the field filters /v1/search reads (`catalog.parse_search_query`), on SQLite and
PostgreSQL: a listener typing `artist:Kofi` in the player finds what a Spotify-API app finds for it."""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import AlbumGenre, upsert_genre
from encore.db import transaction
from encore.library import create_playlist
from encore.web import create_app
from tests.catalog import factories as f
from tests.web.conftest import PASSWORD, login
from tests.web.spotify.flows import client_token, unlimited_app

ISRC, UPC = "GBENC0100042", "099906726811"
KINDS = ("artists", "albums", "tracks")
Site = tuple[TestClient, str]


@pytest.fixture
def site(container: Container) -> Iterator[Site]:
    today = container.clock.now().date()
    with transaction(container.sessions) as s:
        kofi, ama, sun = f.artist(s, "Kofi Mensah"), f.artist(s, "Ama Sun"), f.artist(s, "Kofi Tides")
        tide = f.album(s, "Tide Songs", kofi, released=date(2001, 6, 1))
        tide.upc = UPC
        fresh = f.album(s, "Sun Rising", ama, released=today - timedelta(days=3))
        older = f.album(s, "Tide Lines", sun, released=date(1999, 3, 3))
        f.track(s, "High Tide", tide, [kofi]).isrc = ISRC
        f.track(s, "Low Tide", tide, [kofi], number=2)
        f.track(s, "Sun Tide", fresh, [ama, kofi])
        f.track(s, "Tide Lines", older, [sun])
        s.add(AlbumGenre(album_id=fresh.id, genre_id=upsert_genre(s, name="Highlife").id))
        user = create_user(s, username="listener", password=PASSWORD)
        now = container.clock.now()
        for name in ("Kofi Drive", "Sun Drive", "artist Kofi"):
            create_playlist(s, owner_id=user.id, name=name, public=True, now=now)
        app = unlimited_app(s, owner_id=user.id, now=now)
    with TestClient(create_app(container), base_url="https://testserver") as http:  # OAuth wants https
        token = client_token(http, app)
        login(http, "listener")
        yield http, token


def _found(answer: dict[str, Any]) -> dict[str, tuple[int, list[str]]]:
    """Each kind's total and names, in order."""
    out: dict[str, tuple[int, list[str]]] = {}
    for kind in KINDS:
        page = answer[kind]
        out[kind] = (page["total"], [item.get("name") or item.get("title") for item in page["items"]])
    return out


def _player(http: TestClient, q: str) -> dict[str, tuple[int, list[str]]]:
    r = http.get("/api/search", params={"q": q, "limit": 10})
    assert r.status_code == 200, (q, r.text)
    assert r.json()["query"] == q  # the query as asked, filters and all
    return _found(r.json())


def _v1(http: TestClient, token: str, q: str, kinds: str = "artist,album,track") -> dict[str, Any]:
    bearer = {"Authorization": f"Bearer {token}"}
    r = http.get("/v1/search", params={"q": q, "type": kinds, "limit": 10}, headers=bearer)
    assert r.status_code == 200, (q, r.text)
    answer: dict[str, Any] = r.json()
    return answer


def test_the_player_finds_what_v1_finds_for_each_filter(site: Site) -> None:
    http, token = site
    expected = {
        "artist:Kofi": (["Kofi Mensah", "Kofi Tides"], ["Tide Songs", "Tide Lines"], 4),
        'artist:"Kofi Mensah" track:high': (["Kofi Mensah"], ["Tide Songs"], 1),  # `track:` narrows tracks alone
        'artist:"kofi mensah" tide': ([], ["Tide Songs"], 3),  # the artist's name holds no "tide"
        "tide year:2001": ([], ["Tide Songs"], 2),  # year: narrows artists too (none named "tide" released then)
        "year:1999": (["Kofi Tides"], ["Tide Lines"], 1),
        f"isrc:{ISRC.lower()}": ([], [], 1),
        f"upc:{UPC}": ([], ["Tide Songs"], 0),
        "genre:highlife": ([], [], 1),  # the album's genre holds for its track; an artist's is its tracks' own
        "tag:new": ([], ["Sun Rising"], 0),  # released in the past two weeks, by the server's clock
    }
    for q, (artists, albums, tracks) in expected.items():
        player = _player(http, q)
        v1 = _found(_v1(http, token, q))
        assert player == v1, q  # the same totals and the same names in the same order
        assert sorted(player["artists"][1]) == sorted(artists), (q, player)
        assert sorted(player["albums"][1]) == sorted(albums), (q, player)
        assert player["tracks"][0] == tracks, (q, player)


def test_a_filter_the_player_cannot_apply(site: Site) -> None:
    """An unreadable filter finds nothing for the kinds it applies to, never everything; the other kinds are
    searched by the plain words; an unknown name is plain words. As on /v1."""
    http, token = site
    for q in ("isrc:hello sun", "year:２００１ sun", "upc:12 sun", "label:kofi", "artist:!! sun"):
        assert _player(http, q) == _found(_v1(http, token, q)), q
    unreadable = _player(http, "isrc:hello sun")
    assert unreadable["tracks"] == (0, []) and unreadable["artists"] == (1, ["Ama Sun"])
    assert _player(http, "year:２００１ sun") == {"artists": (0, []), "albums": (0, []), "tracks": (0, [])}
    assert _player(http, "label:kofi") == {"artists": (0, []), "albums": (0, []), "tracks": (0, [])}
    assert _player(http, "artist:!! sun")["artists"] == (1, ["Ama Sun"])  # an empty value is no filter


def test_the_player_s_playlist_search_takes_the_words_that_are_not_filters(site: Site) -> None:
    """/api/search/playlists follows /v1/search?type=playlist: no filter applies to a playlist."""
    http, token = site
    for q, names in (("drive artist:Ama", ["Kofi Drive", "Sun Drive"]), ("artist:Kofi", []), ("kofi", None)):
        r = http.get("/api/search/playlists", params={"q": q})
        assert r.status_code == 200, r.text
        player = sorted(p["name"] for p in r.json()["items"])
        v1 = sorted(p["name"] for p in _v1(http, token, q, "playlist")["playlists"]["items"])
        assert player == v1, q
        if names is not None:
            assert player == names, q
    assert sorted(p["name"] for p in http.get("/api/search/playlists", params={"q": "kofi"}).json()["items"]) == [
        "Kofi Drive",
        "artist Kofi",
    ]
