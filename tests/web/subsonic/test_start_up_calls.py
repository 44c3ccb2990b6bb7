"""The calls apps make at start-up that Encore has little or nothing for: every one answers in Subsonic's shape,
HTTP 200, in the asked format (py-opensonic and py-sonic from PyPI where they have the call); none is a 404."""

import asyncio
import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit

import libsonic
import pytest
from fastapi.testclient import TestClient
from libopensonic import AsyncConnection
from libopensonic.errors import AuthError, DataNotFoundError, SonicError

from encore.web.subsonic._unsupported import EMPTY, REFUSED
from tests.web.subsonic.conftest import Site

NS = "{http://subsonic.org/restapi}"
TRACKS = 12  # the small catalogue's listed tracks (tests/support/live.py)


def _opensonic(site: Site, check: Any) -> None:
    url = urlsplit(site.base_url)

    async def run() -> None:
        conn = AsyncConnection(f"http://{url.hostname}", api_key=site.me.api_key, port=url.port or 80, use_views=True)
        try:
            await check(conn)
        finally:
            await conn.cleanup()

    asyncio.run(run())


def test_py_opensonic_start_up_calls(site: Site) -> None:
    async def check(conn: AsyncConnection) -> None:
        status = await conn.get_scan_status()
        assert status.scanning is False and status.count == TRACKS
        started = await conn.start_scan()  # nothing to walk: what a scan would report is already true
        assert started.scanning is False and started.count == TRACKS
        assert await conn.get_internet_radio_stations() == []
        assert await conn.get_podcasts() == []
        assert await conn.get_newest_podcasts() == []
        assert await conn.get_bookmarks() == []
        assert await conn.get_shares() == []
        assert await conn.get_chat_messages() == []
        album = (await conn.get_album_list2("alphabeticalByName", size=1))[0]
        assert (await conn.get_album_info(album.id)).notes == ""
        assert (await conn.get_album_info2(album.id)).notes == ""
        info = await conn.get_artist_info(album.artist_id)
        assert info.biography == "" and not info.similar_artist  # no outside lookup; no listeners yet
        with pytest.raises(DataNotFoundError):
            await conn.get_album_info("al-" + "A" * 22)
        with pytest.raises(DataNotFoundError):
            await conn.get_artist_info(album.id)  # an album id where an artist's is asked
        with pytest.raises(AuthError):  # code 50: the user record says jukeboxRole is false
            await conn.jukebox_control("status")
        with pytest.raises(AuthError):
            await conn.create_share([album.id])
        with pytest.raises(SonicError, match="play queue"):
            await conn.create_bookmark(album.id, 1000)
        with pytest.raises(DataNotFoundError):
            await conn.delete_bookmark(album.id)
        # Already there (the probe asked to check): the play queue round trip and legacy lyrics.
        songs = (await conn.get_album(album.id)).song or []
        await conn.save_play_queue([s.id for s in songs[:2]], current=songs[1].id, position=1500)
        queue = await conn.get_play_queue()
        assert [e.id for e in queue.entry or []] == [s.id for s in songs[:2]] and queue.position == 1500
        assert (await conn.get_lyrics(artist="Nobody", title="Nothing")).value == ""

    _opensonic(site, check)


def test_py_sonic_start_up_calls(site: Site) -> None:
    url = urlsplit(site.base_url)
    conn = libsonic.Connection(f"http://{url.hostname}", "listener", site.me.app_password, port=url.port or 80)
    assert conn.getScanStatus()["scanStatus"] == {"scanning": False, "count": TRACKS}
    assert conn.getInternetRadioStations()["internetRadioStations"] == {"internetRadioStation": []}
    assert conn.getPodcasts()["podcasts"] == {"channel": []}
    assert conn.getBookmarks()["bookmarks"] == {"bookmark": []}
    assert conn.getShares()["shares"] == {"share": []}
    assert conn.getChatMessages()["chatMessages"] == {"chatMessage": []}
    artist = conn.getArtists()["artists"]["index"][0]["artist"][0]["id"]
    assert conn.getArtistInfo(artist)["artistInfo"]["biography"] == ""


def _get(http: TestClient, method: str, key: dict[str, str], **params: str) -> Any:
    r = http.get(f"/rest/{method}", params={**key, **params})
    assert r.status_code == 200, (method, r.status_code, r.text)
    return r


@pytest.fixture(scope="module")
def key(site: Site) -> dict[str, str]:
    return {"apiKey": site.me.api_key}


def test_every_empty_answer_and_refusal_in_each_format(http: TestClient, key: dict[str, str]) -> None:
    for method in [*EMPTY, *REFUSED]:
        body = _get(http, method, key, f="json").json()["subsonic-response"]
        if method in EMPTY:
            assert body["status"] == "ok" and all(body[k] == v for k, v in EMPTY[method].items()), method
        else:
            assert body["status"] == "failed" and body["error"]["code"] == REFUSED[method][0], method
            assert body["error"]["message"] == REFUSED[method][1]
        root = ET.fromstring(_get(http, method, key).content)  # XML, the default
        assert root.tag == f"{NS}subsonic-response"
        assert root.get("status") == ("ok" if method in EMPTY else "failed"), method
        text = _get(http, method, key, f="jsonp", callback="cb").text
        assert text.startswith("cb(") and json.loads(text[3:-2])["subsonic-response"]["status"] == body["status"]
        posted = http.post(f"/rest/{method}.view", data={**key, "f": "json"})  # the formPost extension
        assert posted.status_code == 200 and posted.json()["subsonic-response"]["status"] == body["status"]


def test_the_empty_lists_are_elements_in_xml(http: TestClient, key: dict[str, str]) -> None:
    root = ET.fromstring(_get(http, "getPodcasts", key).content)
    assert root.find(f"{NS}podcasts") is not None and not list(root.find(f"{NS}podcasts") or [])
    scan = ET.fromstring(_get(http, "getScanStatus", key).content).find(f"{NS}scanStatus")
    assert scan is not None and scan.attrib == {"scanning": "false", "count": str(TRACKS)}


def test_these_calls_still_need_credentials(http: TestClient) -> None:
    for method in ("getScanStatus", "getPodcasts", "jukeboxControl", "someMethodNobodyHas"):
        body = _get(http, method, {}, f="json").json()["subsonic-response"]
        assert body["status"] == "failed" and body["error"]["code"] == 10, method


def test_an_unknown_method_is_a_subsonic_error_with_http_200(http: TestClient, key: dict[str, str]) -> None:
    for path in ("/rest/getEverything", "/rest/getEverything.view", "/rest/", "/rest/ping/more", "/rest/a/b/c"):
        r = http.get(path, params={**key, "f": "json"})
        assert r.status_code == 200, path
        body = r.json()["subsonic-response"]
        assert body["status"] == "failed" and body["error"]["code"] == 70, path
        r = http.post(path, data={**key})  # a posted form, XML by default
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml"), path
        assert ET.fromstring(r.content).find(f"{NS}error").get("code") == "70"  # type: ignore[union-attr]
    r = http.get("/rest/x/y", params={"f": "jsonp", "callback": "alert(1)//"})
    assert r.status_code == 200 and r.text.startswith("callback(")  # a hostile callback is not echoed


def test_extensions_advertise_only_what_encore_has(http: TestClient) -> None:
    body = _get(http, "getOpenSubsonicExtensions", {}, f="json").json()["subsonic-response"]
    names = {e["name"] for e in body["openSubsonicExtensions"]}
    assert names == {"apiKeyAuthentication", "formPost", "songLyrics", "transcodeOffset"}
