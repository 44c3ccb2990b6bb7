"""The raw ASGI byte path under real uvicorn, spoken to over HTTP."""

import asyncio
import os
import socket
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from encore import playback
from encore.kernel import new_public_id
from encore.streaming import DirectoryResolver, MediaFile, sign_stream_url, stream_key
from encore.web import _byte_path
from encore.web._stream_asgi import make_stream_app
from tests.support.live import serve_asgi

KEY = stream_key("k" * 40)
# Fixed ids: parametrized test names must be the same on every xdist worker.
USER, TRACK, REPLACED = "UserUserUserUserUser01", "TrackTrackTrackTrack01", "ReplacedReplacedRepl01"
NOW = 1_700_000_000
DATA = os.urandom(300_000)


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media")
    (root / f"{TRACK}.vorbis160.ogg").write_bytes(DATA)
    (root / "secret.txt").write_bytes(b"root:x:0:0")
    return root


@pytest.fixture(scope="module")
def base_url(media_dir: Path) -> Iterator[str]:
    app = make_stream_app(key=KEY, resolve=DirectoryResolver(media_dir, ttl_s=0), now=lambda: NOW)
    with serve_asgi(app) as url:
        yield url


def _url(base: str, *, user: str = USER, track: str = TRACK, expires: int = NOW + 600) -> str:
    return base + sign_stream_url(key=KEY, user=user, track=track, rendition="vorbis160", expires=expires).path


def _raw_get(base: str, target: str) -> bytes:
    """Send the request line exactly as written: httpx would remove dot segments before sending."""
    netloc = urlsplit(base)
    with socket.create_connection((netloc.hostname or "", netloc.port or 80), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_whole_file(base_url: str) -> None:
    r = httpx.get(_url(base_url))
    assert r.status_code == 200
    assert r.content == DATA
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == "audio/ogg"
    assert r.headers["content-length"] == str(len(DATA))
    assert r.headers["cache-control"].startswith("private, max-age=")
    assert r.headers["etag"].startswith('"') and r.headers["last-modified"].endswith("GMT")
    assert "content-range" not in r.headers


def test_one_range(base_url: str) -> None:
    r = httpx.get(_url(base_url), headers={"Range": "bytes=1000-66535"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 1000-66535/{len(DATA)}"
    assert r.headers["content-length"] == "65536"
    assert r.content == DATA[1000:66536]


def test_suffix_and_open_ranges(base_url: str) -> None:
    assert httpx.get(_url(base_url), headers={"Range": "bytes=-10"}).content == DATA[-10:]
    assert httpx.get(_url(base_url), headers={"Range": "bytes=299990-"}).content == DATA[299990:]


def test_overflowing_end_is_clamped(base_url: str) -> None:
    r = httpx.get(_url(base_url), headers={"Range": "bytes=5-99999999999999999999999"})
    assert r.status_code == 206 and r.content == DATA[5:]
    assert r.headers["content-range"] == f"bytes 5-{len(DATA) - 1}/{len(DATA)}"


@pytest.mark.parametrize("header", [f"bytes={len(DATA)}-", "bytes=-0", "bytes=99999999999999999999-"])
def test_unsatisfiable(base_url: str, header: str) -> None:
    r = httpx.get(_url(base_url), headers={"Range": header})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize(
    "header",
    ["bytes=500-100", "bytes=" + ",".join(f"{i}-{i}" for i in range(1000)), "bytes=0-1,5-9", "bytes=٣-", "pages=1-2"],
)
def test_ranges_we_ignore_get_the_whole_file(base_url: str, header: str) -> None:
    r = httpx.get(_url(base_url), headers={"Range": header.encode()})  # raw UTF-8 bytes on the wire
    assert r.status_code == 200 and r.content == DATA


@pytest.mark.parametrize("second", ["bytes=5-9", "bytes=0-1"])
def test_several_range_lines_are_not_one_range(base_url: str, second: str) -> None:
    """probe18: `Range: bytes=0-1` then `Range: bytes=5-9` was served as the last line alone (206, 5-9). The lines
    are one field, `bytes=0-1, bytes=5-9` (RFC 9110 §5.3), which is no single range: the whole file."""
    r = httpx.get(_url(base_url), headers=[("Range", "bytes=0-1"), ("Range", second)])
    assert r.status_code == 200 and r.content == DATA and "content-range" not in r.headers


def test_if_range(base_url: str) -> None:
    head = httpx.head(_url(base_url)).headers
    etag, last_modified = head["etag"], head["last-modified"]
    for validator in (etag, last_modified):
        fresh = httpx.get(_url(base_url), headers={"Range": "bytes=0-9", "If-Range": validator})
        assert fresh.status_code == 206 and fresh.content == DATA[:10]
    for stale_validator in ('"old-etag"', "W/" + etag, formatdate(0, usegmt=True)):
        stale = httpx.get(_url(base_url), headers={"Range": "bytes=0-9", "If-Range": stale_validator})
        assert stale.status_code == 200 and stale.content == DATA


def test_head_has_length_and_no_body(base_url: str) -> None:
    r = httpx.head(_url(base_url))
    assert r.status_code == 200 and r.headers["content-length"] == str(len(DATA)) and r.content == b""
    r = httpx.head(_url(base_url), headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.headers["content-length"] == "10" and r.content == b""


def test_expired_tampered_and_other_users_urls_are_403(base_url: str) -> None:
    expired = httpx.get(_url(base_url, expires=NOW - 1))
    assert expired.status_code == 403 and b"expired" in expired.content
    other_user = _url(base_url).replace(f"u={USER}", f"u={new_public_id()}")
    assert httpx.get(other_user).status_code == 403
    longer = _url(base_url).replace(f"e={NOW + 600}", f"e={NOW + 99999}")
    assert httpx.get(longer).status_code == 403
    other_rendition = _url(base_url).replace("/vorbis160?", "/opus96?")
    assert httpx.get(other_rendition).status_code == 403
    assert httpx.get(_url(base_url).rsplit("&s=", 1)[0]).status_code == 403
    assert httpx.get(f"{base_url}/stream/{TRACK}/vorbis160").status_code == 403


def test_unknown_track_is_404(base_url: str) -> None:
    assert httpx.get(_url(base_url, track=new_public_id())).status_code == 404


@pytest.mark.parametrize(
    "target",
    [
        "/stream/../../etc/passwd/vorbis160",
        "/stream/..%2f..%2fetc%2fpasswd/vorbis160",
        "/stream/%2e%2e%2f%2e%2e%2fetc%2fpasswd/vorbis160",
        "/stream/%2e%2e/secret.txt",
        "/stream/a/b/c/d",
        "/stream/secret.txt/vorbis160",
        f"/stream/{TRACK}/..%2fsecret.txt",
        f"/stream/{TRACK}/vorbis160%00",
    ],
)
def test_traversal_never_reaches_a_file(base_url: str, target: str) -> None:
    response = _raw_get(base_url, target + f"?u={USER}&e={NOW + 600}&s=" + "A" * 32)
    status = int(response.split(b" ", 2)[1])
    assert status in (400, 403, 404)
    assert b"root:" not in response


def test_only_get_and_head(base_url: str) -> None:
    r = httpx.post(_url(base_url))
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"


def test_a_replaced_file_is_served_fresh(base_url: str, media_dir: Path) -> None:
    """Open fds are cached; a file swapped in by rename (new inode) must not be served from the old fd."""
    target = media_dir / f"{REPLACED}.vorbis160.ogg"
    target.write_bytes(b"old" * 1000)
    url = _url(base_url, track=REPLACED)
    assert httpx.get(url).content == b"old" * 1000
    temp = media_dir / "incoming.tmp"
    temp.write_bytes(b"new" * 2000)
    temp.rename(target)
    assert httpx.get(url).content == b"new" * 2000


def test_a_vanished_file_is_404(base_url: str, media_dir: Path) -> None:
    gone = new_public_id()
    path = media_dir / f"{gone}.vorbis160.ogg"
    path.write_bytes(b"x")
    url = _url(base_url, track=gone)
    assert httpx.get(url).status_code == 200
    path.unlink()
    assert httpx.get(url).status_code == 404


def test_a_failing_tap_releases_the_open_file(media_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tap that cannot be taken (the state store is down) fails the request, but the cached fd's user
    count falls back: an evicted fd must still be closed."""
    entries: list[_byte_path._OpenFile] = []

    class Recorded(_byte_path._FdCache):
        def acquire(self, media: MediaFile) -> _byte_path._OpenFile:
            entries.append(super().acquire(media))
            return entries[-1]

    async def taps(user: str, track: str) -> playback.Tap | None:
        raise ConnectionError("the state store is down")

    monkeypatch.setattr(_byte_path, "_FdCache", Recorded)
    app = make_stream_app(key=KEY, resolve=DirectoryResolver(media_dir, ttl_s=0), now=lambda: NOW, taps=taps)
    url = urlsplit(_url("http://x"))
    scope = {"type": "http", "method": "GET", "path": url.path, "query_string": url.query.encode(), "headers": []}

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: object) -> None:
        pass

    with pytest.raises(ConnectionError):
        asyncio.run(app(scope, receive, send))
    assert [e.users for e in entries] == [0]
