"""The audio byte path: a raw ASGI handler (no framework) that checks the signed URL and serves
one HTTP range with os.pread. Measured against nginx in bench/stream; see docs/benchmarks.md.
"""

import os
import time
from collections import OrderedDict
from collections.abc import Callable

from encore.streaming import (
    Denial,
    Full,
    MediaFile,
    Partial,
    Resolver,
    parse_range,
    verify_stream_signature,
)
from encore.web._security import ASGIApp, Receive, Scope, Send

CHUNK = 256 * 1024
_COMMON = [(b"accept-ranges", b"bytes"), (b"x-content-type-options", b"nosniff")]


class _FdCache:
    """Open files stay open between requests; keyed by path and mtime so a replaced file reopens."""

    def __init__(self, size: int = 512) -> None:
        self._fds: OrderedDict[tuple[str, int], int] = OrderedDict()
        self._size = size

    def get(self, media: MediaFile) -> int:
        key = (str(media.path), media.mtime_ns)
        fd = self._fds.get(key)
        if fd is None:
            fd = os.open(media.path, os.O_RDONLY)
            self._fds[key] = fd
            while len(self._fds) > self._size:
                os.close(self._fds.popitem(last=False)[1])
        return fd


def _query(raw: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in raw.decode("latin-1").split("&", 8):
        name, _, value = part.partition("=")
        out.setdefault(name, value)
    return out


async def _plain(send: Send, status: int, text: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(text)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": text})


def _headers(scope: Scope) -> tuple[str | None, str | None]:
    range_header = if_range = None
    for name, value in scope["headers"]:
        if name == b"range":
            range_header = value.decode("latin-1")
        elif name == b"if-range":
            if_range = value.decode("latin-1")
    return range_header, if_range


async def _send_file(send: Send, fd: int, start: int, length: int) -> None:
    end = start + length
    while start < end:
        block = os.pread(fd, min(CHUNK, end - start), start)
        if not block:
            break
        start += len(block)
        await send({"type": "http.response.body", "body": block, "more_body": start < end})
    if start < end:  # file shrank underneath us: end the body rather than hang
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def make_stream_app(*, key: bytes, resolve: Resolver, now: Callable[[], float] = time.time) -> ASGIApp:
    fds = _FdCache()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await _plain(send, 405, b"method not allowed\n", [(b"allow", b"GET, HEAD")])
            return
        parts = scope["path"].split("/")
        if len(parts) != 4:
            await _plain(send, 404, b"not found\n")
            return
        track, rendition = parts[2], parts[3]
        q = _query(scope["query_string"])
        decision = verify_stream_signature(
            key=key,
            user=q.get("u", ""),
            track=track,
            rendition=rendition,
            expires=q.get("e", ""),
            signature=q.get("s", ""),
            now=int(now()),
        )
        if isinstance(decision, Denial):
            await _plain(send, 403, f"stream URL refused: {decision.reason}\n".encode())
            return
        media = resolve(track, rendition)
        if media is None:
            await _plain(send, 404, b"not found\n")
            return
        await _respond(scope, send, media, fds.get(media))

    return app


async def _respond(scope: Scope, send: Send, media: MediaFile, fd: int) -> None:
    range_header, if_range = _headers(scope)
    if if_range is not None and if_range not in (media.etag, media.last_modified):
        range_header = None  # the client's copy is stale: send the whole current file
    decision = parse_range(range_header, media.size)
    base = [
        *_COMMON,
        (b"content-type", media.content_type.encode()),
        (b"etag", media.etag.encode()),
        (b"last-modified", media.last_modified.encode()),
        (b"cache-control", b"private, max-age=600"),
    ]
    if isinstance(decision, Full):
        status, start, length, extra = 200, 0, media.size, []
    elif isinstance(decision, Partial):
        status, start, length = 206, decision.start, decision.length
        extra = [(b"content-range", f"bytes {decision.start}-{decision.end}/{media.size}".encode())]
    else:
        await _plain(
            send, 416, b"range not satisfiable\n", [*_COMMON, (b"content-range", f"bytes */{media.size}".encode())]
        )
        return
    headers = [*base, *extra, (b"content-length", str(length).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if scope["method"] == "HEAD" or length == 0:
        await send({"type": "http.response.body", "body": b""})
        return
    await _send_file(send, fd, start, length)
