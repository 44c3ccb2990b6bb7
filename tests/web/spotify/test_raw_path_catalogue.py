"""The catalogue reads on the raw /v1 path (web.spotify._raw's sync plans: `Db`, `needs()` and a response model,
#16): for every URL, good and hostile, and every way of presenting a token, the raw path must answer exactly as
FastAPI's routes do, on SQLite and PostgreSQL; and each hostile input must get the answer Spotify's API gives
it (400 with Spotify's error shape for a malformed id or parameter, 404 for an unknown object, 401 first)."""

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import select

from encore.oauth import OAuthApp
from tests.web.spotify.flows import client_token, register_app
from tests.web.spotify.raw_support import (
    Both,
    bearer,
    both_paths,
    first_track,
    limited_token,
    same,
    same_answer,
    token_variants,
)

UNKNOWN = "0" * 22  # well formed, no such object
# (template, status with a good token); {t} a track, {al} an album, {ar} an artist; None: the route's own answer
# for a request that is not malformed (an unknown id's buy links, say), compared between the paths only.
MALFORMED_IDS = ["not-an-id", "a" * 23, "a" * 21, "%E2%82%AC" + "a" * 21, "%FF%FE", "{x}%00", "%20{x}", "{x}%20"]


def _cases() -> list[tuple[str, int | None]]:
    cases: list[tuple[str, int | None]] = [
        ("/v1/tracks?ids={t}", 200),
        ("/v1/tracks?ids={t},{t}", 200),
        ("/v1/tracks?ids=%20{t}%20,,{t2}", 200),
        (f"/v1/tracks?ids={{t}},{UNKNOWN}", 200),
        (f"/v1/tracks?ids={UNKNOWN}", 200),
        ("/v1/tracks?ids=" + ",".join(["{t}"] * 50), 200),
        ("/v1/tracks?ids=" + ",".join(["{t}"] * 51), 400),  # Spotify's limit: 50
        ("/v1/tracks?ids=" + ",".join(["{t}"] * 100), 400),  # past the 2,000 characters too
        ("/v1/tracks?ids=", 400),
        ("/v1/tracks?ids=,,,", 400),
        ("/v1/tracks", 400),
        ("/v1/tracks?IDS={t}", 400),
        ("/v1/tracks?ids={t},not-an-id", 400),
        ("/v1/tracks?ids=spotify:track:{t}", 400),
        ("/v1/tracks?ids={t}%00", 400),
        ("/v1/tracks?ids={t},%E2%82%AC" + "a" * 21, 400),
        ("/v1/tracks?ids={t}&ids={t2}", 200),  # the last of a repeated parameter counts
        ("/v1/tracks?ids={t}&ids=", 400),
        ("/v1/tracks?ids={t}&market=SE", 200),
        ("/v1/tracks?ids={t}&market=" + "x" * 11, 400),
        ("/v1/tracks/?ids={t}", 200),
        ("/v1/albums/{al}", 200),
        ("/v1/albums/{al}/", 200),
        ("/v1/albums/{al}?market=from_token", 200),
        ("/v1/albums/{al}?market=" + "x" * 11, 400),
        (f"/v1/albums/{UNKNOWN}", 404),
        ("/v1/artists/{ar}", 200),
        ("/v1/artists/{ar}?market=" + "x" * 11, 200),  # the route takes no market: ignored
        (f"/v1/artists/{UNKNOWN}", 404),
        ("/v1/artists/{ar}/top-tracks", 200),
        ("/v1/artists/{ar}/top-tracks?market=SE&market=" + "x" * 11, 400),
        (f"/v1/artists/{UNKNOWN}/top-tracks", 404),
        (f"/v1/albums/{UNKNOWN}/tracks", 404),
        (f"/v1/artists/{UNKNOWN}/albums", 404),
        ("/v1/artists/{ar}/albums?include_groups=album,single", 200),
        ("/v1/artists/{ar}/albums?include_groups=" + "x" * 61, 400),
        ("/v1/albums/{al}/buy-links", 200),
        ("/v1/tracks/{t}/buy-links", 200),
        (f"/v1/albums/{UNKNOWN}/buy-links", None),
        (f"/v1/tracks/{UNKNOWN}/buy-links", None),
        ("/v1/browse/new-releases?country=SE", 200),
        ("/v1/browse/new-releases?country=" + "x" * 11, 400),
        ("/v1/browse/new-releases?country=%C3%A9%00", 200),
        ("/v1/albums?ids={al}", 200),  # several albums (routed only, not a raw-path read): the same answer
        ("/v1/artists?ids={ar}", 200),
        (f"/v1/albums?ids={{al}},{UNKNOWN}", 200),
        ("/v1/albums?ids=" + ",".join(["{al}"] * 21), 400),  # Spotify's cap: 20
        ("/v1/artists?ids=" + ",".join(["{ar}"] * 51), 400),  # and 50
        ("/v1/albums?ids={al},not-an-id", 400),
    ]
    for route in ("/v1/albums/{x}", "/v1/albums/{x}/tracks", "/v1/artists/{x}", "/v1/artists/{x}/albums"):
        for bad in MALFORMED_IDS:
            cases.append((route.format(x=bad.format(x="{al}" if "albums/{x}" in route else "{ar}")), 400))
    for bad in MALFORMED_IDS[:3]:
        cases += [(f"/v1/artists/{bad}/top-tracks", 400), (f"/v1/albums/{bad}/buy-links", 400)]
    paged = ("/v1/albums/{al}/tracks?", "/v1/artists/{ar}/albums?", "/v1/browse/new-releases?")
    for base in paged:
        cases += [(base + f"limit={v}", 200) for v in ("1", "50", "%2050", "20&limit=3")]
        cases += [(base + f"limit={v}", 400) for v in ("0", "51", "-1", "10" * 15, "abc", "1.5", "1e1", "3&limit=0")]
        cases += [(base + f"offset={v}", 200) for v in ("0", "1", "10000", "9999&limit=50")]
        cases += [(base + f"offset={v}", 400) for v in ("-1", "10001", "9" * 40, "x", "%00")]
    return cases


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def both(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Both]:
    with both_paths(request, tmp_path_factory) as b:
        yield b


def _urls(both: Both) -> list[tuple[str, int | None]]:
    """The cases filled with a track, another track, its album and its artist."""
    raw = both[0]
    track = first_track(both)
    token = bearer(client_token(raw, register_app(raw, name="looking up")))
    found = raw.get(f"/v1/tracks/{track}", headers=token).json()
    album, artist = found["album"]["id"], found["artists"][0]["id"]
    tracks = raw.get(f"/v1/albums/{album}/tracks", headers=token).json()["items"]
    other = next(t["id"] for t in tracks if t["id"] != track)
    filled = {"t": track, "t2": other, "al": album, "ar": artist}
    return [(url.format(**filled), status) for url, status in _cases()]


def _spotify_error(body: object, status: int) -> None:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert body["error"]["status"] == status and isinstance(body["error"]["message"], str), body


def test_each_read_answers_as_spotify_does_on_both_paths(both: Both) -> None:
    raw = both[0]
    token = bearer(client_token(raw, register_app(raw, name="reading")))
    for url, status in _urls(both):
        answer = same_answer(both, "GET", url, token)
        got = answer.status_code
        if status is not None:
            assert got == status, url
        body = answer.json()
        if got == 400:
            _spotify_error(body, 400)
        elif got == 404 and "ids=" not in url:
            _spotify_error(body, 404)


def test_what_the_reads_answer(both: Both) -> None:
    """Not only equal: the answers say what was asked (the last `ids` wins, unknown ids are null, paging)."""
    raw = both[0]
    token = bearer(client_token(raw, register_app(raw, name="checking")))
    urls = dict(_urls(both))
    track, other = first_track(both), None
    for url, status in urls.items():
        if url.startswith("/v1/tracks?ids=") and "&ids=" in url and status == 200:
            other = url[-22:]
            assert [t["id"] for t in raw.get(url, headers=token).json()["tracks"]] == [other]
    assert other is not None and other != track
    got = raw.get(f"/v1/tracks?ids={track},{UNKNOWN},{track}", headers=token).json()["tracks"]
    assert [t and t["id"] for t in got] == [track, None, track]
    fifty = raw.get("/v1/tracks?ids=" + ",".join([track] * 50), headers=token).json()["tracks"]
    assert len(fifty) == 50
    album = raw.get(f"/v1/tracks/{track}", headers=token).json()["album"]["id"]
    page = raw.get(f"/v1/albums/{album}/tracks?limit=1&offset=1", headers=token).json()
    whole = raw.get(f"/v1/albums/{album}", headers=token).json()["tracks"]
    assert page["items"][0]["id"] == whole["items"][1]["id"] and page["total"] == whole["total"]
    assert raw.get(f"/v1/albums/{album}/tracks?offset=10000", headers=token).json()["items"] == []


def test_every_token_is_treated_alike(both: Both) -> None:
    """Each URL with each way of presenting a token; who asks comes first: a missing, malformed or revoked
    token is 401 on every route, malformed parameters included."""
    raw, _, _, clock = both
    tokens, expiring = token_variants(both, register_app(raw, name="tokens"))
    refused = tokens[4:]  # missing, empty, Basic, unknown, revoked
    urls = [url for url, status in _urls(both) if not url.startswith(("/v1/albums?", "/v1/artists?"))]
    for url in urls:
        for headers in tokens:
            answer = same_answer(both, "GET", url, headers)
            if headers in refused:
                assert answer.status_code == 401, (url, headers)
                _spotify_error(answer.json(), 401)
    clock.advance(2 * 3600)  # the user tokens expire
    for url in urls[::3]:
        assert same(both, "GET", url, bearer(expiring)) == 401, url
    clock.advance(-2 * 3600)


def test_a_rate_limited_app_is_refused_alike(both: Both) -> None:
    """The raw and the routed request count in the app's one window (a request refused for its query counts
    twice: its token is checked again before the 400); once the window is full both paths answer 429 with the
    same Retry-After, for malformed requests too."""
    raw = both[0]
    token = limited_token(both, per_window=8)
    album = next(u for u, status in _urls(both) if u.startswith("/v1/albums/") and u.count("/") == 3 and status == 200)
    urls = (album, "/v1/tracks?ids=", "/v1/browse/new-releases?limit=0", album, "/v1/artists/not-an-id")
    assert [same(both, "GET", u, token) for u in urls] == [200, 400, 400, 429, 429]
    assert raw.get(album, headers=token).headers["retry-after"].isdigit()
    assert same(both, "GET", "/v1/albums/not-an-id", {}) == 401


@pytest.mark.parametrize(
    "path",
    ["/v1/tracks?ids={t}", "/v1/albums/{al}", "/v1/artists/{ar}/albums", "/v1/browse/new-releases", "/v1/artists/{ar}"],
)
def test_bodies_past_the_limit_are_refused_alike(both: Both, path: str) -> None:
    track = first_track(both)
    found = both[0].get(f"/v1/tracks/{track}", headers=bearer(client_token(both[0], register_app(both[0]))))
    filled = {"t": track, "al": found.json()["album"]["id"], "ar": found.json()["artists"][0]["id"]}
    declared = {"Content-Length": str(2 * 1024 * 1024)}  # declared, never sent: refused before reading
    assert same(both, "GET", path.format(**filled), declared) == 413


def test_unicode_and_quoting_reach_the_same_parameter(both: Both) -> None:
    raw = both[0]
    token = bearer(client_token(raw, register_app(raw, name="quoting")))
    track = first_track(both)
    for ids in (quote(f"{track},{track}"), f"{track}%2C{track}", f"{track},%C3%A9"):
        same(both, "GET", f"/v1/tracks?ids={ids}", token)
    assert same(both, "GET", f"/v1/tracks?ids={track}%2C{track}", token) == 200
    assert same(both, "GET", f"/v1/tracks?ids={track},%C3%A9", token) == 400


def test_a_refused_read_still_counts_in_the_apps_usage(both: Both, monkeypatch: pytest.MonkeyPatch) -> None:
    """The token check adds the app's usage to the request's session; a read that then fails (404, 400) is
    answered and the session commits, on FastAPI's path and on the raw one alike: no count is lost."""
    raw, routed, c, _ = both
    monkeypatch.setattr("encore.oauth._rates.USAGE_FLUSH_S", 0.0)  # every request writes its counts
    for client in (raw, routed):
        app = register_app(raw, name="counted")
        token = bearer(client_token(raw, app))
        for url in (f"/v1/albums/{UNKNOWN}", "/v1/tracks?ids=not-an-id", f"/v1/artists/{UNKNOWN}/albums"):
            assert client.get(url, headers=token).status_code in (400, 404)
        with c.sessions() as s:
            count = s.scalar(select(OAuthApp.request_count).where(OAuthApp.client_id == app.client_id))
        assert count == 3, client
