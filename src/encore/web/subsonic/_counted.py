"""Subsonic audio that counts toward a free listener's ad clock: what is sent is what could be heard.

A Subsonic app asks for each track with its own request and may keep reading an earlier one while it asks
for the next, so the clock charges what these responses send (see `encore.playback.AdClockBook.tap`),
as the web player's byte path does. The tap is taken when the response starts sending, so a response that
never runs holds none.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi.responses import FileResponse
from starlette.types import Message, Receive, Scope, Send

from encore.playback import PlayTap, StreamCount, Verified, index_probe

log = logging.getLogger(__name__)
TapFactory = Callable[[], PlayTap | None]
Pace = Callable[[PlayTap], float]  # seconds to hold the block just charged (the free tier's pacing)
Verifying = tuple[Callable[[int], StreamCount], Callable[[Verified], Awaitable[None]]]  # (file size -> count, record)


class CountedFileResponse(FileResponse):
    """A stored rendition, sent as Starlette's FileResponse does, with each body block reported to the tap
    (a free listener's ad clock) and counted toward a verified stream (every listener's music).

    A multi-range request gets the whole file (RFC 9110 lets a server ignore Range): the clock then sees
    plain offsets rather than multipart framing it would have to parse. When the clock says this play may
    send no more (an ad is owed and a newer track was asked for), the body ends short.
    """

    def __init__(
        self,
        path: Path,
        *,
        taps: TapFactory,
        rendition: str,
        verifying: Verifying | None = None,
        pace: Pace | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(path, **kwargs)
        self._taps, self._rendition, self._verifying, self._pace = taps, rendition, verifying, pace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tap = self._taps()
        if tap is None and self._verifying is None:
            await super().__call__(scope, receive, send)
            return
        count: StreamCount | None = None
        headers = [(k, v) for k, v in scope["headers"] if not (k == b"range" and b"," in v)]
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        size, position, stopped = 0, 0, False

        async def counting(message: Message) -> None:
            nonlocal size, position, stopped
            nonlocal count
            if message["type"] == "http.response.start":
                position, size = _placement(message["headers"])
                count = None if self._verifying is None else self._verifying[0](size)
            elif message["type"] == "http.response.body":
                if stopped:
                    if not message.get("more_body", False):
                        await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
                body = message.get("body", b"")
                if body and tap is not None:  # charged and held (pacing) before it is sent, as on the byte path
                    stopped = not await tap.aserved(self._rendition, size, position, position + len(body))
                    wait = 0.0 if self._pace is None or index_probe(position, size) else self._pace(tap)
                    if wait > 0:
                        await asyncio.sleep(wait)
                await send(message)
                if body:
                    if count is not None and self._verifying is not None:
                        await _recorded(count, self._verifying[1], await count.sent(position, position + len(body)))
                    position += len(body)
                return
            await send(message)

        try:
            await super().__call__({**scope, "headers": headers, "extensions": extensions}, receive, counting)
        finally:
            if tap is not None:
                tap.close()
            if count is not None and self._verifying is not None:
                await _recorded(count, self._verifying[1], await count.close())


async def _recorded(count: StreamCount, record: Callable[[Verified], Awaitable[None]], found: Verified | None) -> None:
    """Write a verified stream; a failure is logged, never raised into the response, and leaves the play to
    be verified again by a later block or request."""
    if found is None:
        return
    try:
        await record(found)
    except Exception:
        log.exception("recording a verified stream failed; it will be retried")
        await count.retry(found)


def _placement(headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """Where the body starts in the file, and the file's size: from Content-Range ("bytes 100-199/1000") on
    a 206, from Content-Length on a 200 (the whole file)."""
    found = {name.lower(): value for name, value in headers}
    if b"content-range" in found:
        span, _, total = found[b"content-range"].partition(b"/")
        first = span.split(b" ", 1)[-1].split(b"-", 1)[0]
        return (int(first), int(total)) if first.isdigit() else (0, 0)  # "bytes */1000" (416): no body
    return 0, int(found.get(b"content-length", b"0"))


def counted_transcode(
    body: Iterator[bytes], *, taps: TapFactory, kbps: int, offset_ms: int, duration_ms: int, pace: Pace | None = None
) -> Iterator[bytes]:
    """An MP3 transcode's blocks, each charged (as it is handed out) as the milliseconds of audio it carries
    at `kbps` and held as the free tier's pacing says (this iterates in a worker thread). It stops early when
    the clock says this play may send no more."""
    tap = taps()
    if tap is None:
        yield from body
        return
    sent = 0
    try:
        for block in body:
            start = offset_ms + sent * 8 // kbps
            sent += len(block)
            more = tap.served(f"mp3-{kbps}", duration_ms, start, offset_ms + sent * 8 // kbps)
            wait = 0.0 if pace is None else pace(tap)
            if wait > 0:
                time.sleep(wait)
            yield block
            if not more:
                return
    finally:
        tap.close()
