"""A ceiling, not a product path: Premium's signed `/stream/` URL served through granian's own interface (RSGI)
instead of ASGI, with Encore's own checks (the signed URL, the resolver, the Range decision) and the same
`os.pread` from a cached fd, answered with one `response_bytes`. What it measures is what ASGI's message
dicts and the server's ASGI layer cost on the byte path. granian runs one interface per server (ASGI or
RSGI), so this cannot sit beside Encore's ASGI app in one process; see docs/benchmarks.md (granian12).

    granian --interface rsgi --factory bench.stream.rsgi_app:create   (BENCH_MEDIA, BENCH_SECRET as app.py)
"""

import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from encore.streaming import (
    Denial,
    DirectoryResolver,
    Partial,
    Unsatisfiable,
    parse_range,
    stream_key,
    verify_stream_signature,
)


def _query(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in raw.split("&", 8):
        name, _, value = part.partition("=")
        out.setdefault(name, value)
    return out


def create() -> Callable[[Any, Any], Awaitable[None]]:
    key = stream_key(os.environ["BENCH_SECRET"])
    resolve = DirectoryResolver(Path(os.environ["BENCH_MEDIA"]), ttl_s=3600)
    fds: dict[str, int] = {}

    async def app(scope: Any, proto: Any) -> None:
        parts = scope.path.split("/")
        if scope.method not in ("GET", "HEAD") or len(parts) != 4 or parts[1] != "stream":
            proto.response_bytes(404, [("content-type", "text/plain")], b"not found\n")
            return
        q = _query(scope.query_string)
        decision = verify_stream_signature(
            key=key,
            user=q.get("u", ""),
            track=parts[2],
            rendition=parts[3],
            expires=q.get("e", ""),
            signature=q.get("s", ""),
            now=int(time.time()),
            generation=q.get("g", ""),
        )
        if isinstance(decision, Denial):
            proto.response_bytes(403, [("content-type", "text/plain")], b"refused\n")
            return
        media = resolve(parts[2], parts[3])
        if media is None:
            proto.response_bytes(404, [("content-type", "text/plain")], b"not found\n")
            return
        fd = fds.get(str(media.path))
        if fd is None:
            fd = fds[str(media.path)] = os.open(media.path, os.O_RDONLY | os.O_CLOEXEC)
        wanted = parse_range(scope.headers.get("range"), media.size)
        headers = [
            ("accept-ranges", "bytes"),
            ("content-type", media.content_type),
            ("etag", media.etag),
            ("last-modified", media.last_modified),
        ]
        if isinstance(wanted, Unsatisfiable):
            proto.response_bytes(416, [*headers, ("content-range", f"bytes */{media.size}")], b"")
            return
        start, end = (wanted.start, wanted.end) if isinstance(wanted, Partial) else (0, media.size - 1)
        status = 206 if isinstance(wanted, Partial) else 200
        if status == 206:
            headers.append(("content-range", f"bytes {start}-{end}/{media.size}"))
        proto.response_bytes(status, headers, os.pread(fd, end - start + 1, start))

    return app
