"""A coverArt id names the artwork's version, so an app that caches covers by id sees a label's new cover;
getCoverArt answers If-None-Match with 304. Driven by py-opensonic, which reads coverArt ids as apps do."""

import asyncio
import io
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from libopensonic import AsyncConnection
from PIL import Image
from sqlalchemy import select

from encore import labels
from encore.catalog import Album
from encore.db import transaction
from encore.ingest import placed_cover
from tests.web.subsonic.conftest import Site


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(out, "PNG")
    return out.getvalue()


def _pixel(data: bytes) -> tuple[int, int, int]:
    pixel: tuple[int, int, int] = Image.open(io.BytesIO(data)).convert("RGB").getpixel((8, 8))  # type: ignore[assignment]
    return pixel


def _new_cover(site: Site, album_id: str, colour: tuple[int, int, int]) -> str:
    """What a label's cover upload does: the image into the store, then `labels.set_cover` on the release."""
    with placed_cover(data=_png(colour), store=site.container.store) as key, transaction(site.container.sessions) as s:
        label_id = s.scalar(select(Album.label_id).where(Album.public_id == album_id))
        assert label_id is not None
        labels.set_cover(s, label_id=label_id, album_id=album_id, artwork_key=key)
    return key


async def _covers(conn: AsyncConnection, album_id: str) -> dict[str, Any]:
    """Every coverArt id py-opensonic reads for the album: its own, its songs', its artist's, the album list's."""
    album = await conn.get_album(album_id)
    listed = await conn.get_album_list2("alphabeticalByName", size=10)
    assert album.artist_id is not None
    return {
        "album": album.cover_art,
        "songs": {s.cover_art for s in album.song or []},
        "listed": next(a.cover_art for a in listed if a.id == album_id),
        "artist": (await conn.get_artist(album.artist_id)).cover_art,
    }


async def _image(conn: AsyncConnection, cover_id: str) -> bytes:
    res = await conn.get_cover_art(cover_id, size=64)
    assert res.headers["Content-Type"] == "image/jpeg"
    return await res.read()


def test_a_new_cover_gets_a_new_cover_art_id_and_old_ids_still_answer(site: Site) -> None:
    url = urlsplit(site.base_url)
    conn = AsyncConnection(f"http://{url.hostname}", api_key=site.me.api_key, port=url.port or 80, use_views=True)

    async def run() -> None:
        try:
            album_id = (await conn.get_album_list2("alphabeticalByName", size=1))[0].id
            before = await _covers(conn, album_id)
            old = before["album"]
            assert old.startswith(f"{album_id}_") and before["songs"] == {old} and before["listed"] == old
            assert before["artist"].startswith("ar-") and "_" in before["artist"]
            old_image = await _image(conn, old)

            key = _new_cover(site, album_id.removeprefix("al-"), (220, 0, 0))
            after = await _covers(conn, album_id)
            new = f"{album_id}_{key[:8]}"
            assert after["album"] == new != old and after["songs"] == {new} and after["listed"] == new
            red = await _image(conn, new)
            assert red != old_image and _pixel(red)[0] > 180 and _pixel(red)[2] < 60
            # An id handed out before (of the old cover), and a plain album id, get the cover there is now.
            assert await _image(conn, old) == red
            assert await _image(conn, album_id) == red
        finally:
            await conn.cleanup()

    asyncio.run(run())


def _art(client: httpx.Client | TestClient, site: Site, cover_id: str, *, post: bool = False, **headers: str) -> Any:
    params = {"apiKey": site.me.api_key, "id": cover_id, "size": "64"}
    if post:  # a POSTed form goes through FastAPI's route, a GET through the raw path (web.subsonic._asgi)
        return client.post("/rest/getCoverArt", data=params, headers=headers)
    return client.get("/rest/getCoverArt", params=params, headers=headers)


@pytest.mark.parametrize("post", [False, True], ids=["get", "post-form"])
def test_get_cover_art_answers_if_none_match_with_304(site: Site, post: bool) -> None:
    with httpx.Client(base_url=site.base_url) as client:
        album = client.get(
            "/rest/getAlbumList2", params={"apiKey": site.me.api_key, "f": "json", "type": "newest", "size": "1"}
        ).json()["subsonic-response"]["albumList2"]["album"][0]
        first = _art(client, site, album["coverArt"], post=post)
        assert first.status_code == 200 and first.content, first.text
        etag = first.headers["etag"]
        for asked in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            again = _art(client, site, album["coverArt"], post=post, **{"If-None-Match": asked})
            assert again.status_code == 304 and again.content == b"", asked
            assert again.headers["etag"] == etag and again.headers["cache-control"] == "public, max-age=3600"
        # A tag of another image (another size of it, or a cover it no longer has) gets the image whole.
        for asked in ('"0000-64"', etag.replace("-64", "-300")):
            other = _art(client, site, album["coverArt"], post=post, **{"If-None-Match": asked})
            assert other.status_code == 200 and other.content == first.content, asked
        # No 304 for an item that has no cover there: the error comes first.
        missing = _art(client, site, "al-" + "A" * 22, post=post, **{"If-None-Match": "*"})
        assert missing.status_code == 200 and b'code="70"' in missing.content


@pytest.mark.parametrize(
    "suffix",
    ["_", "_XYZ", "_0123abcd_0", "_" + "a" * 65, "_0123ABCD", "_01 23", "_\x00"],
    ids=["empty", "not-hex", "two-versions", "too-long", "upper-case", "space", "nul"],
)
def test_malformed_cover_art_versions_are_error_70(http: TestClient, site: Site, suffix: str) -> None:
    album = http.get(
        "/rest/getAlbumList2", params={"apiKey": site.me.api_key, "f": "json", "type": "newest", "size": "1"}
    ).json()["subsonic-response"]["albumList2"]["album"][0]
    r = http.get("/rest/getCoverArt", params={"apiKey": site.me.api_key, "f": "json", "id": album["id"] + suffix})
    assert r.status_code == 200 and r.json()["subsonic-response"]["error"]["code"] == 70, r.text
