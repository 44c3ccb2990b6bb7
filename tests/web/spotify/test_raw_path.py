"""/v1's hot GETs take the raw path (web.spotify._raw, #16, #19); they must answer exactly as the FastAPI routes
do: the same status, headers (but Date) and body for the same request, hostile ones and bad tokens included,
on SQLite and PostgreSQL."""

from collections.abc import Iterator
from urllib.parse import quote, unquote, urlencode, urlsplit

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Match

from encore.web._app import _raw_reads, _shared_api
from encore.web.spotify import without_trailing_slash
from encore.web.spotify._raw import READS
from tests.web.spotify.flows import client_token, register_app
from tests.web.spotify.raw_support import Both, bearer, both_paths, first_track, limited_token, same, token_variants


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def both(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Both]:
    with both_paths(request, tmp_path_factory) as b:
        yield b


def _ids(both: Both) -> tuple[str, str, str]:
    raw = both[0]
    track = first_track(both)
    token = client_token(raw, register_app(raw, name="looking up"))
    artist = raw.get(f"/v1/tracks/{track}", headers=bearer(token)).json()["artists"][0]["id"]
    genres = raw.get(f"/v1/artists/{artist}", headers=bearer(token)).json()["genres"]
    return track, artist, (genres or ["rock"])[0]


def _requests(track: str, artist: str, genre: str) -> list[tuple[str, str]]:
    """(method, URL): the reads as clients send them, then every way of sending them wrong."""
    search = {"q": "a", "type": "track,artist,album", "limit": 5}
    good = [
        f"/v1/tracks/{track}",
        f"/v1/tracks/{track}?market=SE",
        f"/v1/tracks/{track}/",
        f"/v1/tracks/{track}//",
        "/v1/search?" + urlencode(search),
        "/v1/search?" + urlencode({**search, "offset": 2, "market": "from_token"}),
        "/v1/search?" + urlencode({"q": "é \u00e9 %", "type": "track"}),
        "/v1/search/?q=a&type=artist",
        "/v1/search?" + urlencode({"q": "artist:a year:1999-1900 x", "type": "track,artist,album,playlist"}),
        "/v1/search?" + urlencode({"q": 'track:"unclosed isrc:\uff27B tag:new upc:', "type": "track,album"}),
        f"/v1/recommendations?seed_tracks={track}&limit=5",
        f"/v1/recommendations?seed_artists={artist}&seed_genres={quote(genre)}&limit=3",
        f"/v1/recommendations?seed_genres={quote(genre)}",
        f"/v1/artists/{artist}/related-artists",
    ]
    bad_ids = [
        "/v1/tracks/not-an-id",
        "/v1/tracks/" + "0" * 22,  # well formed, no such track: 404
        "/v1/tracks/" + "a" * 23,
        f"/v1/tracks/{track[:10]}%2F{track[11:]}",  # a slash inside the id: another path
        f"/v1/tracks/{track}%00",
        "/v1/tracks/%E2%82%AC" + "a" * 21,
        "/v1/tracks/%FF%FE",
        "/v1/tracks/",  # /v1/tracks: several tracks, FastAPI's
        "/v1/tracks//",
        f"/v1/tracks/{track}/more",
        f"/v1/tracks/{track}?market=" + "x" * 11,
        f"/v1/tracks/{track}?market=a&market=" + "x" * 11,  # the last of a repeated parameter counts
        f"/v1/tracks/{track}?market=" + "x" * 11 + "&market=a",
        "/v1/tracks/not-an-id?market=" + "x" * 11,  # two errors: the path's is told
        "/v1/artists/not-an-id/related-artists",
        "/v1/artists/" + "0" * 22 + "/related-artists",
        "/v1/artists//related-artists",
    ]
    bad_queries = [
        "/v1/search",
        "/v1/search?type=track",
        "/v1/search?q=&type=track",
        "/v1/search?q=a",
        "/v1/search?q=a&type=",
        "/v1/search?q=a&type=podcast",  # not a type Spotify has
        "/v1/search?q=a&type=track,,artist",
        "/v1/search?q=" + "a" * 201 + "&type=track",
        "/v1/search?q=a&type=" + "track," * 8,
        *(f"/v1/search?q=a&type=track&limit={v}" for v in ("0", "51", "abc", "1.0", "1.5", "%205", "+5", "5_0", "")),
        *(f"/v1/search?q=a&type=track&offset={v}" for v in ("-1", "1001", "1000", "1e3", "0x10", "9" * 30)),
        "/v1/search?q=a&q=&type=track",
        "/v1/search?q=&q=b&type=track",
        "/v1/search?q=%ZZ&type=track",
        "/v1/search?q=%FF%FE&type=track",
        "/v1/search?q=a%00b&type=track",
        "/v1/search?q=a+b&type=track&&=x&limit=2",
        "/v1/search?q=a&type=track&market=" + "x" * 11,
        "/v1/search?Q=a&TYPE=track",
        "/v1/search?q=a&type=track&junk=" + "x" * 20_000,
        "/v1/recommendations",
        "/v1/recommendations?seed_tracks=" + ",".join([track] * 6),
        "/v1/recommendations?seed_tracks=not-a-track",
        "/v1/recommendations?seed_tracks=,,,",
        "/v1/recommendations?seed_genres=" + "g" * 2001,
        *(f"/v1/recommendations?seed_tracks={track}&limit={v}" for v in ("0", "101", "100", "x", "-5")),
        f"/v1/recommendations?seed_tracks={track}&market=" + "x" * 11,
        f"/v1/recommendations?seed_tracks={track}&seed_tracks=&limit=2",
        # numbers and strings the prepared checks leave to FastAPI (_raw_params), and ones they take
        *(f"/v1/recommendations?seed_tracks={track}&limit={v}" for v in ("05", "%205", "%2B5", "5.0", "1_0", "%D9%A5")),
        *(f"/v1/recommendations?seed_tracks={track}&limit={v}" for v in ("1", "10" + "0" * 8, "9" * 19, "")),
        f"/v1/recommendations?seed_genres={quote(genre.upper())}&market=",
        "/v1/recommendations?seed_genres=%C3%A9l%C3%A9ctro&market=" + "%C3%A9" * 10,
        "/v1/recommendations?seed_genres=%ED%B3%80&market=" + "%C3%A9" * 11,
        f"/v1/recommendations?seed_artists={artist[:21]}%C3%A9",
        f"/v1/artists/{artist[:21]}%C3%A9/related-artists",
        f"/v1/tracks/{track}%0A",
    ]
    gets = [("GET", u) for u in good + bad_ids + bad_queries]
    others = [("HEAD", good[0]), ("HEAD", good[4]), ("POST", good[4]), ("DELETE", good[0]), ("OPTIONS", good[8])]
    return gets + others


def test_raw_reads_answer_as_the_routes_do(both: Both) -> None:
    raw, _, _, clock = both
    track, artist, genre = _ids(both)
    tokens, expiring = token_variants(both, register_app(raw, name="comparing"))
    statuses: set[int] = set()
    for method, url in _requests(track, artist, genre):
        for headers in tokens:
            statuses.add(same(both, method, url, headers))
    clock.advance(2 * 3600)  # the user tokens expire
    for method, url in _requests(track, artist, genre)[:20]:
        statuses.add(same(both, method, url, bearer(expiring)))
    assert {200, 400, 401, 404, 405} <= statuses


def test_a_rate_limited_app_is_refused_alike(both: Both) -> None:
    """Each pair of requests (raw, then routed) counts twice in the app's one window: the same answers, then the
    same 429 with the same Retry-After, malformed requests included."""
    track, _, _ = _ids(both)
    token = limited_token(both, per_window=6)
    urls = [f"/v1/tracks/{track}", "/v1/search?q=a&type=track", "/v1/tracks/not-an-id", "/v1/search?q=a&type=x"]
    statuses = [same(both, "GET", url, token) for url in urls]
    assert statuses == [200, 200, 400, 429]
    assert same(both, "GET", "/v1/recommendations?seed_genres=rock", token) == 429
    assert same(both, "GET", "/v1/tracks/not-an-id", {}) == 401  # who asks comes first


def test_bodies_past_the_limit_are_refused_alike(both: Both) -> None:
    track, _, _ = _ids(both)
    declared = {"Content-Length": str(2 * 1024 * 1024)}  # declared, never sent: refused before reading
    assert same(both, "GET", f"/v1/tracks/{track}", declared) == 413


def _first_route(path: str) -> APIRoute | None:
    """The route FastAPI's router answers a GET of `path` with (after TrailingSlash)."""
    scope = {"type": "http", "method": "GET", "path": without_trailing_slash(path), "root_path": ""}
    for context in iter_route_contexts(_shared_api().router.routes):  # in the order they are tried
        match, _ = context.original_route.matches(scope)
        if match is Match.FULL:
            return context.original_route if isinstance(context.original_route, APIRoute) else None
    return None


@pytest.mark.parametrize(
    "url",
    [
        "/v1/tracks/abc",
        "/v1/tracks/abc/",
        "/v1/tracks",
        "/v1/tracks/",
        "/v1/tracks/a%2Fb",
        "/v1/search",
        "/v1/search/",
        "/v1/searches",
        "/v1/recommendations",
        "/v1/recommendations/available-genre-seeds",
        "/v1/artists/abc/related-artists",
        "/v1/artists/abc",
        "/v1/artists/abc/albums",
        "/v1/albums/abc",
        "/v1/albums/abc/",
        "/v1/albums/abc/tracks",
        "/v1/albums/abc/tracks/x",
        "/v1/albums/abc/buy-links",
        "/v1/tracks/abc/buy-links",
        "/v1/artists/abc/top-tracks",
        "/v1/browse/new-releases",
        "/v1/browse/new-releases/",
        "/v1/browse/categories",
        "/v1/albums",
        "/v1/artists",
        "/v1/me/albums",
        "/v1/me/tracks",
        "/v1/me",
        "/v1/",
        "/v1",
        "/api/tracks/abc",
    ],
)
def test_the_raw_path_takes_exactly_the_reads_fastapi_would_route_to_them(url: str) -> None:
    app = _raw_reads()
    path = unquote(urlsplit(url).path)
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "query_string": b"", "headers": []}
    routed = _first_route(path)
    taken = app.taken(scope)
    assert (taken is not None) == (routed is not None and routed.path in READS), url
    if taken is not None:
        assert routed is not None and taken["route"].path == routed.path
        assert app.taken({**scope, "method": "HEAD"}) is None


def test_the_app_adds_no_dependency_the_raw_path_would_skip() -> None:
    """The raw path runs each route's own dependencies (its Gate). A dependency added where the router is
    included, or on the app, would run on FastAPI's path only: as the app includes them, the raw reads' routes
    must depend on exactly what the routes themselves declare."""
    from encore.web.spotify._raw import READS

    seen = set()
    for context in iter_route_contexts(_shared_api().router.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.path in READS and "GET" in (route.methods or ()):
            effective = context.dependant  # the route as included: its own dependencies and any added above
            assert [d.call for d in effective.dependencies] == [d.call for d in route.dependant.dependencies]
            seen.add(route.path)
    assert seen == set(READS)


def test_field_filters_find_the_track_on_both_paths(both: Both) -> None:
    """probe15 F5 on SQLite and PostgreSQL: a track's ISRC, and its artist and title as filters, find it."""
    raw = both[0]
    track = first_track(both)
    token = bearer(client_token(raw, register_app(raw, name="filtering")))
    shown = raw.get(f"/v1/tracks/{track}", headers=token).json()
    isrc, artist, title = shown["external_ids"]["isrc"], shown["artists"][0]["name"], shown["name"]
    for q in (
        f"isrc:{isrc}",
        f'artist:"{artist}" track:"{title}"',
        f"isrc:{isrc} year:{shown['album']['release_date'][:4]}",
    ):
        url = "/v1/search?" + urlencode({"q": q, "type": "track", "limit": 50})
        assert same(both, "GET", url, token) == 200
        assert track in [t["id"] for t in raw.get(url, headers=token).json()["tracks"]["items"]], q
    url = "/v1/search?" + urlencode({"q": f"isrc:{isrc} year:\uff12\uff10\uff12\uff10", "type": "track"})
    assert raw.get(url, headers=token).json()["tracks"]["total"] == 0
