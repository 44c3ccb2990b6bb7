"""Every hostile input from the issue gets the specified Subsonic error code, never a 500."""

import dataclasses
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import av
import pytest
from fastapi.testclient import TestClient

from encore.streaming import TranscodeSlots
from encore.web import create_api
from encore.web.subsonic._context import HANDLERS
from tests.web.subsonic.conftest import Site, add_listener

NS = "{http://subsonic.org/restapi}"


def call(http: TestClient, method: str, auth: dict[str, str] | None, **params: Any) -> dict[str, Any]:
    r = http.get(f"/rest/{method}", params={**(auth or {}), "f": "json", **params})
    assert r.status_code in (200, 404, 503), r.text
    body: dict[str, Any] = r.json()["subsonic-response"]
    return body


def code(body: dict[str, Any]) -> int | None:
    return body["error"]["code"] if body["status"] == "failed" else None


@pytest.fixture(scope="module")
def key(site: Site) -> dict[str, str]:
    return {"apiKey": site.me.api_key}


@pytest.fixture(scope="module")
def ids(http: TestClient, key: dict[str, str]) -> dict[str, str]:
    albums = call(http, "getAlbumList2", key, type="alphabeticalByName", size=10)["albumList2"]["album"]
    album = call(http, "getAlbum", key, id=albums[0]["id"])["album"]
    return {"album": album["id"], "artist": album["artistId"], "track": album["song"][0]["id"]}


def test_missing_credentials_is_error_10(http: TestClient) -> None:
    # The one method OpenSubsonic makes public: which extensions (and so which login) the server has.
    assert call(http, "getOpenSubsonicExtensions", None)["openSubsonicExtensions"][0]["name"] == "apiKeyAuthentication"
    assert code(call(http, "ping", None)) == 10
    assert code(call(http, "ping", {"u": "listener"})) == 10
    assert code(call(http, "ping", {"u": "listener", "t": "abc"})) == 10  # a token without salt


def test_conflicting_credentials_is_error_43(site: Site, http: TestClient) -> None:
    assert code(call(http, "ping", {"apiKey": site.me.api_key, "u": "listener"})) == 43
    assert code(call(http, "ping", {"apiKey": site.me.api_key, "p": site.me.app_password})) == 43
    salt = "abcdef12"
    token = hashlib.md5((site.me.app_password + salt).encode()).hexdigest()
    assert code(call(http, "ping", {"u": "listener", "t": token, "s": salt, "p": site.me.app_password})) == 43


def test_a_long_salt_works_and_one_too_long_says_so(site: Site, http: TestClient) -> None:
    """A salt was cut to 64 characters before the check, so a client's 100-character salt always read as
    "wrong username or password"."""
    long_salt = "s" * 100
    token = hashlib.md5((site.me.app_password + long_salt).encode()).hexdigest()
    assert call(http, "ping", {"u": "listener", "t": token, "s": long_salt})["status"] == "ok"
    too_long = "s" * 257
    token = hashlib.md5((site.me.app_password + too_long).encode()).hexdigest()
    refused = call(http, "ping", {"u": "listener", "t": token, "s": too_long})
    assert code(refused) == 40 and "salt" in refused["error"]["message"]


def test_bad_api_key_is_error_44(site: Site, http: TestClient) -> None:
    assert code(call(http, "ping", {"apiKey": "enc_" + "x" * 43})) == 44
    assert code(call(http, "ping", {"apiKey": site.me.api_key[:-1]})) == 44
    assert code(call(http, "ping", {"apiKey": ""})) == 44


def test_passwords_tokens_and_known_bypasses_are_refused(site: Site, http: TestClient) -> None:
    salt = "c19b2d"
    empty = hashlib.md5(salt.encode()).hexdigest()  # md5("" + salt)
    for auth in (
        {"u": "nobody", "t": empty, "s": salt},
        {"u": "listener", "t": empty, "s": salt},
        {"u": "", "t": empty, "s": salt},
        {"u": "listener", "p": "account-pass-123"},  # the account password never works here
        {"u": "listener", "p": "enc:" + b"account-pass-123".hex()},
        {"u": "listener", "p": "enc:zz"},
        {"u": "listener", "p": ""},
        {"u": "listener", "p": site.other.app_password},  # another user's device password
    ):
        assert code(call(http, "ping", auth)) in (10, 40), auth
    good = hashlib.md5((site.me.app_password + salt).encode()).hexdigest()
    assert code(call(http, "ping", {"u": "listener", "t": good, "s": salt})) is None
    assert code(call(http, "ping", {"u": "LISTENER", "t": good.upper(), "s": salt})) is None
    assert code(call(http, "ping", {"u": "listener", "t": good, "s": "x"})) == 40  # salts under 6 characters (L4)
    assert code(call(http, "ping", {"u": "listener", "p": "enc:" + site.me.app_password.encode().hex()})) is None


def test_a_revoked_device_stops_working(site: Site, http: TestClient) -> None:
    extra = add_listener(site.container, "revoker")
    assert code(call(http, "ping", {"apiKey": extra.api_key})) is None
    from encore.accounts import User
    from encore.db import transaction
    from encore.devices import revoke_device

    with transaction(site.container.sessions) as s:
        from sqlalchemy import select

        uid = s.scalar(select(User.id).where(User.username == "revoker"))
        assert uid is not None
        revoke_device(s, user_id=uid, device_id=extra.device_id)
    assert code(call(http, "ping", {"apiKey": extra.api_key})) == 44
    assert code(call(http, "ping", {"u": "revoker", "p": extra.app_password})) == 40


def test_another_users_playlist(site: Site, http: TestClient, ids: dict[str, str]) -> None:
    theirs = {"apiKey": site.other.api_key}
    private = call(http, "createPlaylist", theirs, name="secret")["playlist"]["id"]
    shared = call(http, "createPlaylist", theirs, name="shared")["playlist"]["id"]
    call(http, "updatePlaylist", theirs, playlistId=shared, public="true")
    mine = {"apiKey": site.me.api_key}
    missing = "pl-" + "A" * 22
    assert code(call(http, "getPlaylist", mine, id=private)) == 70
    assert code(call(http, "getPlaylist", mine, id=missing)) == 70
    assert call(http, "getPlaylist", mine, id=private)["error"] == call(http, "getPlaylist", mine, id=missing)["error"]
    assert code(call(http, "deletePlaylist", mine, id=private)) == 70
    assert code(call(http, "updatePlaylist", mine, playlistId=private, name="mine now")) == 70
    assert code(call(http, "getPlaylist", mine, id=shared)) is None  # public: readable
    assert code(call(http, "updatePlaylist", mine, playlistId=shared, songIdToAdd=ids["track"])) == 50
    assert code(call(http, "deletePlaylist", mine, id=shared)) == 50
    assert code(call(http, "getPlaylists", mine, username="other")) == 50
    assert call(http, "getPlaylist", theirs, id=private)["playlist"]["name"] == "secret"


def test_ids_of_the_wrong_kind_are_error_70(http: TestClient, key: dict[str, str], ids: dict[str, str]) -> None:
    assert code(call(http, "getAlbum", key, id=ids["track"])) == 70
    assert code(call(http, "getSong", key, id=ids["album"])) == 70
    assert code(call(http, "getArtist", key, id=ids["album"])) == 70
    assert code(call(http, "stream", key, id=ids["album"])) == 70
    assert code(call(http, "getPlaylist", key, id=ids["album"])) == 70
    assert code(call(http, "star", key, id="pl-" + ids["track"][3:])) == 70
    assert code(call(http, "getAlbum", key, id=ids["album"][3:])) == 70  # no prefix at all
    assert code(call(http, "getAlbum", key)) == 10


@pytest.mark.parametrize(
    "evil",
    [
        "../../../../etc/passwd",
        "tr-../../../etc/passwd",
        "tr-..%2F..%2Fetc%2Fpasswd",
        "/etc/passwd",
        "tr-/etc/passwd",
        "tr-" + "A" * 22 + "/../../../etc/passwd",
        "tr-\x00" + "A" * 21,
        "media/ab/abcdef.vorbis160.ogg",
    ],
)
def test_stream_never_reads_outside_the_media_store(http: TestClient, key: dict[str, str], evil: str) -> None:
    for method in ("stream", "download"):
        r = http.get(f"/rest/{method}", params={**key, "id": evil, "format": "raw"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml"), r.text
        root = ET.fromstring(r.content)
        assert root.get("status") == "failed" and root.find(f"{NS}error").get("code") == "70"  # type: ignore[union-attr]
        assert b"root:" not in r.content


def test_cover_art_sizes(http: TestClient, key: dict[str, str], ids: dict[str, str]) -> None:
    from PIL import Image

    sizes = (("99999999999999999999999999", 640), ("700", 640), ("1", 64), ("64", 64), ("65", 300), ("0", 640))
    for size, expect in sizes:  # 0: the largest, Navidrome's "original" (review25c L9)
        r = http.get("/rest/getCoverArt", params={**key, "id": ids["album"], "size": size})
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg", (size, r.text)
        assert Image.open(io.BytesIO(r.content)).size == (expect, expect)
    for bad in ("-1", "abc", "1e9", "٣"):
        assert code(call(http, "getCoverArt", key, id=ids["album"], size=bad)) == 0, bad


def test_offsets_and_sizes(http: TestClient, key: dict[str, str]) -> None:
    assert code(call(http, "getAlbumList2", key, type="newest", offset="-1")) == 0
    assert code(call(http, "getAlbumList2", key, type="newest", offset=str(10**30))) == 0
    assert code(call(http, "getAlbumList2", key, type="newest", size="100000")) == 0
    assert call(http, "getAlbumList2", key, type="newest", offset="9999999")["albumList2"] == {"album": []}
    assert code(call(http, "search3", key, query="", songOffset="-5")) == 0
    assert call(http, "search3", key, query="", songOffset="9999999")["searchResult3"]["song"] == []
    assert code(call(http, "getAlbumList2", key, type="mostPopularEver")) == 0
    assert code(call(http, "getAlbumList2", key)) == 10


def test_unknown_formats_and_time_offsets(http: TestClient, key: dict[str, str], ids: dict[str, str]) -> None:
    for fmt in ("../../x", "mp3;rm -rf", "x" * 40, "\x00"):  # not format names: refused with a sentence
        body = call(http, "stream", key, id=ids["track"], format=fmt)
        assert code(body) == 0 and "format must be a format name" in body["error"]["message"], fmt
    for fmt in ("flac", "wav"):  # names Encore does not make: no preference (test_client_courtesies.py)
        r = http.get("/rest/stream", params={**key, "id": ids["track"], "format": fmt})
        assert r.headers["content-type"].startswith("audio/"), fmt
    assert code(call(http, "stream", key, id=ids["track"], timeOffset="-3")) == 0
    assert code(call(http, "stream", key, id=ids["track"], maxBitRate="lots")) == 0


def test_a_transcode_is_charged_to_the_ad_clock_by_the_audio_it_carried(
    site: Site, http: TestClient, key: dict[str, str], ids: dict[str, str]
) -> None:
    """A free listener's MP3 is charged the milliseconds its bytes carry, from the requested offset on."""
    from encore.accounts import get_user_by_name
    from encore.playback import AdClockBook

    duration_ms = call(http, "getSong", key, id=ids["track"])["song"]["duration"] * 1000
    with site.container.sessions() as s:
        user = get_user_by_name(s, username="listener")
        assert user is not None
        user_id = user.id
    kept = site.container.ad_clocks
    try:
        for offset_s in (20, 0):
            site.container.ad_clocks = book = AdClockBook()  # a fresh clock for each request
            params = {**key, "id": ids["track"], "format": "mp3", "maxBitRate": "96", "timeOffset": str(offset_s)}
            r = http.get("/rest/stream", params=params)
            assert r.headers["content-type"] == "audio/mpeg"
            with site.container.sessions() as s:
                charged = book.move(s, user_id, lambda st: (st, st.listened_ms))
            # getSong rounds the duration down; the encoder adds a frame or two
            assert abs(charged - (duration_ms - offset_s * 1000)) < 1500, (offset_s, charged, duration_ms)
    finally:
        site.container.ad_clocks = kept


def test_transcode_honours_time_offset_and_estimated_length(
    http: TestClient, key: dict[str, str], ids: dict[str, str]
) -> None:
    duration = call(http, "getSong", key, id=ids["track"])["song"]["duration"]
    r = http.get("/rest/stream", params={**key, "id": ids["track"], "format": "mp3", "maxBitRate": "96"})
    full = _seconds(r.content)
    r = http.get(
        "/rest/stream", params={**key, "id": ids["track"], "timeOffset": "20", "estimateContentLength": "true"}
    )
    assert r.headers["content-type"] == "audio/mpeg"
    assert int(r.headers["content-length"]) == len(r.content)
    assert 0 <= len(r.content) - (duration - 20) * 192_000 / 8 < 192_000 / 8  # getSong rounds seconds down
    audio = r.content.rstrip(b"\0")  # an estimate longer than the encoder's output is padded with zeros
    assert len(r.content) - len(audio) < 192_000 // 8  # by less than a second's worth
    cut = _seconds(audio)
    assert abs(full - duration) < 1.5 and abs(cut - (full - 20)) < 1.5, (full, cut)


def _seconds(data: bytes) -> float:
    total = 0.0
    with av.open(io.BytesIO(data)) as c:
        for frame in c.decode(audio=0):
            total += frame.samples / frame.sample_rate
    return total


def _capped(site: Site, cap: int) -> TestClient:
    """The /rest API of an app whose operator set `max_transcodes` (same database and media store)."""
    settings = site.container.settings.model_copy(update={"max_transcodes": cap})
    c = dataclasses.replace(site.container, settings=settings, transcodes=TranscodeSlots(site.container.state, cap))
    return TestClient(create_api(c), base_url="http://testserver")


@pytest.fixture
def one_slot(site: Site, key: dict[str, str]) -> Iterator[tuple[TestClient, TranscodeSlots]]:
    with _capped(site, 1) as client:
        assert client.get("/rest/ping", params=key).status_code == 200
        slots: TranscodeSlots = client.app.state.container.transcodes  # type: ignore[attr-defined]
        assert slots.limit == 1  # the setting, not a constant
        yield client, slots


def test_transcodes_beyond_the_cap_are_told_to_retry(
    key: dict[str, str], ids: dict[str, str], one_slot: tuple[TestClient, TranscodeSlots]
) -> None:
    http, slots = one_slot
    held = slots.try_acquire()  # a transcode in progress holds the only slot
    assert held is not None
    try:
        r = http.get("/rest/stream", params={**key, "id": ids["track"], "format": "mp3", "f": "json"})
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert r.json()["subsonic-response"]["error"]["code"] == 0
        assert "retry" in r.json()["subsonic-response"]["error"]["message"]
        assert http.get("/rest/stream", params={**key, "id": ids["track"]}).status_code == 200  # stored: no slot
    finally:
        held.release()
    assert http.get("/rest/stream", params={**key, "id": ids["track"], "format": "mp3"}).status_code == 200
    again = slots.try_acquire()  # the finished transcode gave its slot back
    assert again is not None
    again.release()


def test_max_transcodes_zero_turns_transcoding_off(site: Site, key: dict[str, str], ids: dict[str, str]) -> None:
    with _capped(site, 0) as http:
        r = http.get("/rest/stream", params={**key, "id": ids["track"], "format": "mp3", "f": "json"})
        assert r.status_code == 503 and r.json()["subsonic-response"]["error"]["code"] == 0
        assert http.get("/rest/stream", params={**key, "id": ids["track"]}).status_code == 200  # stored file


def test_garbage_to_every_method_never_500(http: TestClient, key: dict[str, str]) -> None:
    garbage = {
        "id": "x" * 5000,
        "size": "-9",
        "offset": "1" * 40,
        "count": "nan",
        "type": "\x00",
        "query": "\"'<>&" * 50,
        "songId": "\uffff\u202e",
        "rating": "7",
        "time": "-1",
        "position": "-1",
        "username": "../..",
        "name": "",
        "genre": "%",
        "fromYear": "99999",
    }
    for method in HANDLERS:
        r = http.post(f"/rest/{method}.view", params=key, data=garbage)
        assert r.status_code != 500, (method, r.text)
        if r.headers["content-type"].startswith("text/xml"):
            ET.fromstring(r.content)


def test_unknown_method_and_jsonp(http: TestClient, key: dict[str, str]) -> None:
    r = http.get("/rest/getEverything.view", params={**key, "f": "json"})
    assert r.status_code == 200 and r.json()["subsonic-response"]["error"]["code"] == 70  # some apps stop at a 404
    r = http.get("/rest/ping", params={**key, "f": "jsonp", "callback": "alert(document.cookie)//"})
    assert r.text.startswith("callback(") and "document" not in r.text
    r = http.get("/rest/ping", params={**key, "f": "jsonp", "callback": "cb_1"})
    assert r.text.startswith("cb_1(") and json.loads(r.text[5:-2])["subsonic-response"]["status"] == "ok"


def test_repeated_parameters_are_bounded(http: TestClient, key: dict[str, str]) -> None:
    r = http.post("/rest/star", params={**key, "f": "json"}, data={"id": ["tr-" + "A" * 22] * 1500})
    assert r.json()["subsonic-response"]["error"]["code"] == 0
