"""Subsonic GETs take the raw path (web.subsonic._asgi, #16); they must answer exactly as the FastAPI route
does: the same status, type and body for the same query string, hostile ones included."""

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from encore.web import create_app
from encore.web._app import create_api
from tests.web.subsonic.conftest import Site


@pytest.fixture(scope="module")
def both(site: Site) -> Iterator[tuple[TestClient, TestClient]]:
    app = create_app(site.container)
    assert app.rest is not None  # GETs of /rest/<method> take the raw path
    raw = TestClient(app, base_url="http://testserver")
    routed = TestClient(create_api(site.container), base_url="http://testserver")  # FastAPI's route only
    with raw, routed:
        yield raw, routed


def _queries(site: Site, album: str) -> list[str]:
    key, other = {"apiKey": site.me.api_key, "v": "1.16.1", "c": "t"}, {"apiKey": site.other.api_key}
    return [
        "/rest/ping?" + urlencode(key),
        "/rest/ping.view?" + urlencode({**key, "f": "json"}),
        "/rest/getAlbum?" + urlencode({**key, "id": album, "f": "json"}),
        "/rest/getAlbum.view?" + urlencode({**key, "id": album}),  # XML
        "/rest/getAlbum?" + urlencode({**other, "id": album, "f": "jsonp", "callback": "cb"}),
        "/rest/getAlbumList2?" + urlencode({**key, "type": "alphabeticalByArtist", "size": 5, "f": "json"}),
        "/rest/getAlbumList2?" + urlencode({**key, "type": "nope", "f": "json"}),
        "/rest/getAlbumList2?" + urlencode({**key, "type": "newest", "size": "-1", "f": "json"}),
        "/rest/getAlbum?" + urlencode({**key, "f": "json"}),  # no id
        "/rest/getAlbum?" + urlencode({**key, "id": "al-" + "x" * 22, "f": "json"}),
        "/rest/noSuchMethod?" + urlencode({**key, "f": "json"}),
        "/rest/getOpenSubsonicExtensions?f=json",
        "/rest/ping?f=json",  # no credentials
        "/rest/ping?f=json&apiKey=enc_wrong",
        f"/rest/ping?f=json&apiKey={site.me.api_key}&u=listener&p=x",  # conflicting
        f"/rest/ping?f=json&u=listener&p=enc:{site.me.app_password.encode().hex()}",
        "/rest/ping?f=json&u=listener&p=enc:zz",
        f"/rest/getAlbum?apiKey={site.me.api_key}&f=json&id=%ZZ&id=%E2%82%AC&id=a+b",  # bad and repeated escapes
        f"/rest/getAlbum?apiKey={site.me.api_key}&f=json&id=",
        f"/rest/getAlbum?apiKey={site.me.api_key}&&f=json&=x&id={album}",
        "/rest/search3?" + urlencode({**key, "query": "é \u00e9 %", "f": "json"}),
    ]


def test_raw_gets_answer_as_the_route_does(site: Site, both: tuple[TestClient, TestClient]) -> None:
    raw, routed = both
    key = {"apiKey": site.me.api_key, "f": "json"}
    listed = routed.get("/rest/getAlbumList2", params={**key, "type": "newest", "size": 1}).json()
    album = listed["subsonic-response"]["albumList2"]["album"][0]["id"]
    for query in _queries(site, album):
        a, b = raw.get(query), routed.get(query)
        assert (a.status_code, a.headers["content-type"], a.content) == (
            b.status_code,
            b.headers["content-type"],
            b.content,
        ), query
        assert a.headers["x-content-type-options"] == "nosniff"  # the security headers, as on every response


def test_what_the_raw_path_leaves_to_fastapi(site: Site, both: tuple[TestClient, TestClient]) -> None:
    raw, _ = both
    key = {"apiKey": site.me.api_key, "f": "json"}
    for path in ("/rest/", "/rest/ping/more"):  # FastAPI's route answers: Subsonic's error 70, not a bare 404
        r = raw.get(path, params=key)
        assert r.status_code == 200 and r.json()["subsonic-response"]["error"]["code"] == 70
    posted = raw.post("/rest/ping", data=key)  # a POSTed form: FastAPI's route reads it
    assert posted.json()["subsonic-response"]["status"] == "ok"


def test_head_answers_as_get_does_but_never_streams_or_writes(site: Site, both: tuple[TestClient, TestClient]) -> None:
    """probe23 F6: HEAD of /rest/ping.view and /rest/stream.view was 405 where GET is 200. A read answers HEAD
    as its GET; a call that sends music or changes something (stream, download, scrobble) is not run for a HEAD
    (a safe method), and says so in Subsonic's error, in the format asked."""
    raw, _ = both
    key = {"apiKey": site.me.api_key, "f": "json"}
    for path in ("/rest/ping", "/rest/ping.view", "/rest/getAlbumList2.view", "/rest/", "/rest/a/b"):
        asked = {**key, "type": "newest"}
        got, head = raw.get(path, params=asked), raw.head(path, params=asked)
        assert (head.status_code, head.headers["content-type"]) == (got.status_code, got.headers["content-type"])
        assert head.status_code == 200, path
    album = raw.get("/rest/getAlbumList2", params={**key, "type": "newest", "size": 1}).json()
    album_id = album["subsonic-response"]["albumList2"]["album"][0]["id"]
    song = raw.get("/rest/getAlbum", params={**key, "id": album_id}).json()["subsonic-response"]["album"]["song"][0]
    for name in ("stream.view", "download", "scrobble.view", "star"):
        head = raw.head(f"/rest/{name}", params={**key, "id": song["id"]})
        assert head.status_code == 200 and head.headers["content-type"].startswith("application/json"), name
    starred = raw.get("/rest/getStarred2", params=key).json()["subsonic-response"]["starred2"]
    assert not starred.get("song"), starred  # the HEAD of star changed nothing


def test_a_get_declaring_a_body_past_the_limit_is_refused_on_the_raw_path_too(
    site: Site, both: tuple[TestClient, TestClient]
) -> None:
    """`create_app`'s FastAPI path refuses a declared body over 1 MiB before reading it (web._body_limit); the
    raw path sits behind the same limit, in Subsonic's shape."""
    raw, _ = both
    declared = {"Content-Length": str(2 * 1024 * 1024)}
    r = raw.get("/rest/ping", params={"apiKey": site.me.api_key, "f": "json"}, headers=declared)
    assert r.status_code == 413 and r.json()["subsonic-response"]["status"] == "failed"
    assert r.headers["x-content-type-options"] == "nosniff"
