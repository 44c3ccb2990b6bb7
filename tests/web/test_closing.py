"""A client that hangs up mid-stream: the blocking iterator behind the response is closed at once (its
`finally` runs), instead of waiting, suspended, for the garbage collector."""

import threading
import time
from collections.abc import Iterator

import httpx

from encore.web._closing import ClosingStreamingResponse
from tests.support.live import serve_asgi


def test_a_hang_up_closes_the_iterator_behind_the_response() -> None:
    closed = threading.Event()
    produced = 0

    def endless() -> Iterator[bytes]:
        nonlocal produced
        try:
            while True:
                produced += 1
                yield b"x" * 65536
        finally:
            closed.set()

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            await ClosingStreamingResponse(endless(), media_type="application/octet-stream")(scope, receive, send)

    with serve_asgi(app) as base, httpx.Client(base_url=base, timeout=10) as http:
        with http.stream("GET", "/") as r:
            assert r.status_code == 200
            next(r.iter_bytes())
        assert closed.wait(5), "the iterator was left suspended after the client hung up"
        stopped_at = produced
        time.sleep(0.3)
        assert produced == stopped_at  # nothing more is produced for a client that left
