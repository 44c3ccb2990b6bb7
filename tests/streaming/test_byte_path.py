"""The raw ASGI byte path under real uvicorn, spoken to over HTTP."""

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from encore.kernel import new_public_id
from encore.streaming import MediaFile, media_file_for, sign_stream_path, stream_key
from encore.web._stream_asgi import make_stream_app
from tests.support.live import serve_asgi

KEY = stream_key("k" * 40)
USER, TRACK = new_public_id(), new_public_id()
NOW = 1_700_000_000
DATA = os.urandom(300_000)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    media = tmp_path_factory.mktemp("media") / "track.ogg"
    media.write_bytes(DATA)

    def resolve(track: str, rendition: str) -> MediaFile | None:
        return media_file_for(media) if track == TRACK and rendition == "vorbis160" else None

    with serve_asgi(make_stream_app(key=KEY, resolve=resolve, now=lambda: NOW)) as url:
        yield url


def _url(base: str, *, user: str = USER, track: str = TRACK, expires: int = NOW + 600) -> str:
    return base + sign_stream_path(key=KEY, user=user, track=track, rendition="vorbis160", expires=expires)


def test_whole_file(base_url: str) -> None:
    r = httpx.get(_url(base_url))
    assert r.status_code == 200
    assert r.content == DATA
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == "audio/ogg"
    assert r.headers["etag"] and r.headers["last-modified"]


def test_one_range(base_url: str) -> None:
    r = httpx.get(_url(base_url), headers={"Range": "bytes=1000-66535"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 1000-66535/{len(DATA)}"
    assert r.content == DATA[1000:66536]


def test_suffix_and_open_ranges(base_url: str) -> None:
    assert httpx.get(_url(base_url), headers={"Range": "bytes=-10"}).content == DATA[-10:]
    assert httpx.get(_url(base_url), headers={"Range": "bytes=299990-"}).content == DATA[299990:]


@pytest.mark.parametrize("header", [f"bytes={len(DATA)}-", "bytes=-0", "bytes=99999999999999999999-"])
def test_unsatisfiable(base_url: str, header: str) -> None:
    r = httpx.get(_url(base_url), headers={"Range": header})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize(
    "header", ["bytes=500-100", "bytes=" + ",".join(f"{i}-{i}" for i in range(1000)), "bytes=0-99999999999999999999999"]
)
def test_abusive_ranges_get_200_or_206_never_500(base_url: str, header: str) -> None:
    r = httpx.get(_url(base_url), headers={"Range": header})
    assert r.status_code in (200, 206)


def test_if_range(base_url: str) -> None:
    etag = httpx.head(_url(base_url)).headers["etag"]
    fresh = httpx.get(_url(base_url), headers={"Range": "bytes=0-9", "If-Range": etag})
    stale = httpx.get(_url(base_url), headers={"Range": "bytes=0-9", "If-Range": '"old-etag"'})
    assert (fresh.status_code, stale.status_code) == (206, 200)
    assert len(stale.content) == len(DATA)


def test_head_has_length_and_no_body(base_url: str) -> None:
    r = httpx.head(_url(base_url))
    assert r.status_code == 200 and r.headers["content-length"] == str(len(DATA)) and r.content == b""


def test_expired_tampered_and_other_users_urls_are_403(base_url: str) -> None:
    assert httpx.get(_url(base_url, expires=NOW - 1)).status_code == 403
    tampered = _url(base_url).replace(f"u={USER}", f"u={new_public_id()}")
    assert httpx.get(tampered).status_code == 403
    assert httpx.get(_url(base_url).rsplit("&s=", 1)[0]).status_code == 403
    assert httpx.get(f"{base_url}/stream/{TRACK}/vorbis160").status_code == 403


def test_unknown_track_is_404(base_url: str) -> None:
    assert httpx.get(_url(base_url, track=new_public_id())).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/stream/../../etc/passwd/vorbis160", "/stream/%2e%2e%2f%2e%2e%2fetc%2fpasswd/vorbis160", "/stream/a/b/c/d"],
)
def test_traversal_never_reaches_a_file(base_url: str, path: str) -> None:
    r = httpx.get(base_url + path + "?u=x&e=1&s=y")
    assert r.status_code in (403, 404)
    assert b"root:" not in r.content


def test_only_get_and_head(base_url: str, tmp_path: Path) -> None:
    assert httpx.post(_url(base_url)).status_code == 405
