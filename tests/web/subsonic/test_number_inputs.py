"""Hole 7 (#15): numbers and dates from the request never reach a 500, on any face.

Subsonic `scrobble` with `time=999999999999999` (year 33658) was a 500. The class is every integer or
timestamp a client sends: too big for a datetime, for a 64-bit column, negative where a count is meant.
Each face answers in its own error shape. Runs on the live site of this folder (SQLite and PostgreSQL:
an out-of-range bind is a different failure on each).
"""

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from encore.accounts import get_user_by_name, regenerate_listen_token
from encore.db import transaction
from encore.web.subsonic._context import HANDLERS
from tests.web.spotify.flows import login, register_app, user_token
from tests.web.subsonic.conftest import Site

HOSTILE = [
    "999999999999",
    "999999999999999",
    "99999999999999999999999",
    "-99999999999999999999",
    "-1",
    "9223372036854775808",
    "--5",  # every leading dash was stripped before int(): a 500 on all 44 integer parameters
]
# Malformed like "--5", parsed by the same one function: sent to the cheaper tests only (not every method).
MALFORMED = ["-", "\u00b2"]  # "²": a digit to str.isdigit, not to int()
# Every number a Subsonic method reads, sent to every method at once.
SUBSONIC_NUMBERS = [
    "time", "size", "offset", "count", "fromYear", "toYear", "position", "maxBitRate", "timeOffset",
    "songCount", "songOffset", "albumCount", "albumOffset", "artistCount", "artistOffset", "rating",
    "current", "ifModifiedSince", "musicFolderId", "expires", "index", "songIndexToRemove", "estimateContentLength",
]  # fmt: skip


@pytest.fixture(scope="module")
def ids(http: TestClient, site: Site) -> dict[str, str]:
    key = {"apiKey": site.me.api_key, "f": "json"}
    albums = http.get("/rest/getAlbumList2", params={**key, "type": "newest"}).json()["subsonic-response"]
    album = http.get("/rest/getAlbum", params={**key, "id": albums["albumList2"]["album"][0]["id"]}).json()
    found = album["subsonic-response"]["album"]
    return {"album": found["id"], "artist": found["artistId"], "track": found["song"][0]["id"]}


@pytest.mark.parametrize("value", HOSTILE)
def test_subsonic_numbers_out_of_range_are_subsonic_errors(
    http: TestClient, site: Site, ids: dict[str, str], value: str
) -> None:
    for method in sorted(HANDLERS):
        if method in ("stream", "download", "getcoverart", "getavatar", "hls"):
            continue  # binary answers; their numbers are covered below
        params = dict.fromkeys(SUBSONIC_NUMBERS, value)
        params.update(apiKey=site.me.api_key, f="json", id=ids["track"], albumId=ids["album"], artistId=ids["artist"])
        r = http.get(f"/rest/{method}", params=params)
        assert r.status_code < 500, (method, r.status_code, r.text[:200])
        body = r.json()["subsonic-response"]
        assert body["status"] in ("ok", "failed"), method


@pytest.mark.parametrize("value", HOSTILE + MALFORMED)
def test_subsonic_scrobble_time_out_of_range(http: TestClient, site: Site, ids: dict[str, str], value: str) -> None:
    r = http.get("/rest/scrobble", params={"apiKey": site.me.api_key, "f": "json", "id": ids["track"], "time": value})
    body = r.json()["subsonic-response"]
    assert r.status_code == 200 and body["status"] == "failed" and body["error"]["code"] == 0, r.text


@pytest.mark.parametrize("value", HOSTILE + MALFORMED)
def test_subsonic_binary_methods_refuse_numbers_out_of_range(
    http: TestClient, site: Site, ids: dict[str, str], value: str
) -> None:
    for method in ("stream", "download", "getCoverArt"):
        params = {"apiKey": site.me.api_key, "f": "json", "id": ids["track"], "maxBitRate": value}
        params.update(timeOffset=value, size=value, estimateContentLength=value)
        assert http.get(f"/rest/{method}", params=params).status_code < 500, method


@pytest.fixture(scope="module")
def listen_token(site: Site) -> str:
    with transaction(site.container.sessions) as s:
        user = get_user_by_name(s, username="listener")
        assert user is not None
        return regenerate_listen_token(s, user_id=user.id, now=site.container.clock.now())


@pytest.mark.parametrize("value", HOSTILE + MALFORMED)
@pytest.mark.parametrize("name", ["min_ts", "max_ts", "count"])
def test_listenbrainz_numbers_out_of_range(http: TestClient, listen_token: str, name: str, value: str) -> None:
    headers = {"Authorization": f"Token {listen_token}"}
    for path in ("/1/user/listener/listens", "/1/user/listener/playing-now"):
        r = http.get(path, params={name: value}, headers=headers)
        assert r.status_code < 500 and (r.status_code == 200 or r.json()["code"] == r.status_code), (path, r.text)


@pytest.mark.parametrize("listened_at", [999999999999999, 10**30, -(10**30), 2**63, 1e308])
def test_listenbrainz_submit_timestamps_out_of_range(http: TestClient, listen_token: str, listened_at: Any) -> None:
    doc = {
        "listen_type": "single",
        "payload": [{"listened_at": listened_at, "track_metadata": {"artist_name": "A", "track_name": "T"}}],
    }
    r = http.post("/1/submit-listens", json=doc, headers={"Authorization": f"Token {listen_token}"})
    assert r.status_code == 400 and r.json()["code"] == 400, r.text


def _spotify_get_operations(http: TestClient) -> list[tuple[str, list[str]]]:
    spec = create_api_spec(http)
    out = []
    for path, ops in spec["paths"].items():
        if not path.startswith(("/v1/", "/api/")) or "get" not in ops:
            continue
        numbers = [
            p["name"]
            for p in ops["get"].get("parameters", [])
            if p["in"] == "query" and _is_number(p.get("schema", {}))
        ]
        if numbers:
            out.append((path, numbers))
    return out


def _is_number(schema: dict[str, Any]) -> bool:
    kinds = [schema.get("type"), *(a.get("type") for a in schema.get("anyOf", []))]
    return "integer" in kinds or "number" in kinds


def create_api_spec(http: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = http.get("/openapi.json").json()
    return spec


@pytest.fixture(scope="module")
def bearer(site: Site) -> dict[str, str]:
    with httpx.Client(base_url=site.base_url, timeout=30) as live:  # OAuth wants loopback or https
        login(live, "listener", "account-pass-123")
        token = user_token(live, register_app(live))["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("value", HOSTILE)
def test_every_numeric_query_parameter_of_v1_and_the_player_api(
    http: TestClient, bearer: dict[str, str], ids: dict[str, str], value: str
) -> None:
    operations = _spotify_get_operations(http)
    assert len(operations) >= 10
    for path, numbers in operations:
        url = re.sub(r"\{[^}]+\}", lambda m: ids["track"] if "track" in m.group(0) else ids["album"], path)
        headers = bearer if path.startswith("/v1/") else {}
        r = http.get(url, params=dict.fromkeys(numbers, value), headers=headers)
        assert r.status_code < 500, (path, r.status_code, r.text[:200])
        if path.startswith("/v1/") and r.status_code >= 400:
            assert r.json()["error"]["status"] == r.status_code, path
