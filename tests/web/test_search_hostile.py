"""Every hostile search input of issue #16, on every face that searches: a clear answer, never a 500.

The player's `/api/search`, the developer API's `/v1/search` and Subsonic's `search2`/`search3` all call
`catalog.search_catalogue`; what differs is how each face refuses what it cannot take (422 for the
player's parameters, Spotify's 400 error object on /v1, Subsonic's error envelope).
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.devices import create_device
from encore.web import create_app
from tests.catalog import factories as f
from tests.web.spotify.flows import client_token, unlimited_app

TRACKS = 40
HOSTILE = [
    "",
    "a",
    "a" * 10_000,
    "love " * 2_000,
    "!!! ??? ... ---",
    '"',
    "*",
    "NEAR(",
    "AND",
    "a AND b OR NOT c",
    ":",
    "name:every",
    "^",
    "~",
    "every~2 ^3",
    "\x00",
    "every\x00band",
    "'; DROP TABLE tracks; --",
    "%",
    "_",
    "\\",
    "\u202eevery",
    "\U0001f3b5",
    "a b c d e f g h i j k l m n o p",  # more words than a query keeps
    "x" * 24 + " every",  # the longest word that still forgives typos
    "everyxbandxeverythingxsongxzz",  # past it: no typo lookup
]


@pytest.fixture
def site(container: Container) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Every Band")
        album = f.album(s, "Everything", band)
        for i in range(TRACKS):
            f.track(s, f"Song {i:02d}", album, [band], number=i + 1)
        user = create_user(s, username="listener", password="listener-pass-1")
        key = create_device(s, user_id=user.id, name="app", secret=b"k" * 32, now=container.clock.now()).api_key
        app = unlimited_app(s, owner_id=user.id, now=container.clock.now())
    with TestClient(create_app(container), base_url="https://testserver") as http:  # OAuth wants https
        yield http, {"apiKey": key, "f": "json"}, client_token(http, app)


def _api(http: TestClient, **params: Any) -> Any:
    r = http.get("/api/search", params=params)
    assert r.status_code in (200, 422), r.text
    return r


def _v1(http: TestClient, token: str, **params: Any) -> Any:
    bearer = {"Authorization": f"Bearer {token}"}
    r = http.get("/v1/search", params={"type": "artist,album,track", **params}, headers=bearer)
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert r.json()["error"]["status"] == 400 and r.json()["error"]["message"]
    return r


def _sub(http: TestClient, auth: dict[str, str], method: str = "search3", **params: Any) -> dict[str, Any]:
    r = http.get(f"/rest/{method}", params={**auth, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()["subsonic-response"]
    return body


def test_hostile_queries_are_answered_on_every_face(site: tuple[TestClient, dict[str, str], str]) -> None:
    http, auth, token = site
    for query in HOSTILE:  # one site for all of them: each is a few requests
        api = _api(http, q=query)
        assert api.status_code == (422 if len(query) > 200 else 200), query  # the player takes at most 200
        v1 = _v1(http, token, q=query)
        assert v1.status_code == (400 if not query or len(query) > 200 else 200), query
        for method in ("search2", "search3"):
            body = _sub(http, auth, method, query=query)
            assert body["status"] == "ok", (query, body)
    assert _api(http, q="every").json()["tracks"]["total"] == TRACKS  # and the index is intact


def test_lone_surrogates_and_bad_encoding_are_answered(site: tuple[TestClient, dict[str, str], str]) -> None:
    http, auth, token = site
    for raw in ("%ED%A0%80", "%ED%A0%80every", "%FF%FE", "every%C0%AF"):  # not UTF-8: a lone surrogate, junk
        assert http.get(f"/api/search?q={raw}").status_code in (200, 400, 422)
        v1 = http.get(f"/v1/search?type=track&q={raw}", headers={"Authorization": f"Bearer {token}"})
        assert v1.status_code in (200, 400)
        sub = http.get(f"/rest/search3?apiKey={auth['apiKey']}&f=json&query={raw}")
        assert sub.status_code == 200 and sub.json()["subsonic-response"]["status"] in ("ok", "failed")


Site = tuple[TestClient, dict[str, str], str]


def test_a_query_that_matches_every_track_pages_through_all_of_them(site: Site) -> None:
    http, auth, token = site
    seen: list[str] = []
    for offset in range(0, TRACKS + 10, 10):
        page = _api(http, q="every", type="track", limit=10, offset=offset).json()["tracks"]
        assert page["total"] == TRACKS
        seen += [t["id"] for t in page["items"]]
    assert len(seen) == len(set(seen)) == TRACKS  # stable paging: no repeats, none lost
    v1 = _v1(http, token, q="every", type="track", limit=50).json()["tracks"]
    assert v1["total"] == TRACKS and len(v1["items"]) == TRACKS
    songs = _sub(http, auth, query="every", songCount=500, artistCount=0, albumCount=0)["searchResult3"]["song"]
    assert len(songs) == TRACKS


def test_offsets_and_limits_out_of_range(site: tuple[TestClient, dict[str, str], str]) -> None:
    http, auth, token = site
    past = _api(http, q="every", type="track", limit=10, offset=100_000).json()["tracks"]
    assert past["items"] == [] and past["total"] == TRACKS  # past the end: an empty page, the real total
    for bad in ({"offset": -1}, {"limit": 0}, {"limit": 10**9}, {"offset": 10**9}):
        assert _api(http, q="every", **bad).status_code == 422
        assert _v1(http, token, q="every", **bad).status_code == 400
    assert _v1(http, token, q="every", type="track", offset=1000).json()["tracks"]["items"] == []
    for params in ({"songOffset": 10_000_000}, {"songCount": 0}):
        body = _sub(http, auth, query="every", **params)
        assert body["status"] == "ok" and not body["searchResult3"].get("song")
    for params in ({"songOffset": -1}, {"songCount": 10**9}, {"songCount": "lots"}):
        body = _sub(http, auth, query="every", **params)
        assert body["status"] == "failed" and body["error"]["code"] == 0


def test_hostile_field_filters_on_v1_find_what_their_words_say(site: Site) -> None:
    """/v1's text filters read from the index (catalog._search_text): one letter, a word's inside, LIKE's wildcards,
    only punctuation and a value as long as `q` allows are answered, and find exactly the names that hold them."""
    http, _, token = site

    def tracks(q: str) -> int:
        r = _v1(http, token, q=q, type="track", limit=50)
        assert r.status_code == 200, (q, r.text)
        total: int = r.json()["tracks"]["total"]
        return total

    assert tracks("track:s") == tracks("track:ONG") == tracks('artist:"every band" track:song') == TRACKS
    assert tracks('track:"song 1"') == sum("1" in f"{i:02d}" for i in range(TRACKS))  # "1" inside "01", "10"...
    assert tracks("track:s_n") == tracks("track:q" + "q" * 190) == 0  # `_` is a letter (a wildcard: "son")
    assert tracks("track:s%g") == TRACKS  # `%` is punctuation: the words "s" and "g", in every "Song"
    assert tracks("track:!!! every") == tracks("track:% every") == TRACKS  # no word in the value: no filter
    assert tracks("album:everyth artist:ery") == TRACKS and tracks("album:thing artist:bandx") == 0
    assert tracks("track:東京 every") == 0
