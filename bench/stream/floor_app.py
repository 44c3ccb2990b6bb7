"""uvicorn's floor for the byte path benchmark: the least an ASGI app can do to answer a 64 KiB Range of a
file (no signature, no resolver, no checks: the path's track picks a cached fd, the Range header's numbers
are taken as they come, one pread, the same headers as `/stream/`). What remains of a request's CPU under
`bench.stream.run --only embedded-floor` is uvicorn's (httptools, uvloop, the ASGI messages), the part no
change to Encore's handler can remove. Bench only: it checks nothing and must never serve anything.
"""

import os
from pathlib import Path
from typing import Any

_HEADERS = (
    (b"accept-ranges", b"bytes"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-type", b"audio/ogg"),
    (b"etag", b'"bench"'),
    (b"last-modified", b"Thu, 01 Jan 2026 00:00:00 GMT"),
    (b"cache-control", b"private, max-age=600"),
)


def create() -> Any:
    media = Path(os.environ["BENCH_MEDIA"])
    fds = {p.name.split(".", 1)[0]: os.open(p, os.O_RDONLY) for p in media.glob("*.vorbis160.ogg")}
    size = next(iter(fds.values())) and os.fstat(next(iter(fds.values()))).st_size

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        fd = fds.get(scope["path"].split("/")[2], -1) if scope["path"].count("/") == 3 else -1
        start, end = 0, size - 1
        for name, value in scope["headers"]:
            if name == b"range":
                first, _, last = value[6:].partition(b"-")
                start, end = int(first), int(last)
        if fd < 0:
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [
            *_HEADERS,
            (b"content-range", b"bytes %d-%d/%d" % (start, end, size)),
            (b"content-length", b"%d" % (end - start + 1)),
        ]
        await send({"type": "http.response.start", "status": 206, "headers": headers})
        await send({"type": "http.response.body", "body": os.pread(fd, end - start + 1, start)})

    return app
