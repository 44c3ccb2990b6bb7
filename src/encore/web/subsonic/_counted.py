"""Subsonic audio that counts toward a free listener's ad clock: what is sent is what could be heard.

A Subsonic app asks for each track with its own request and may keep reading an earlier one while it asks
for the next, so the clock charges what these responses send (see `encore.entitlements.AdClockBook.tap`),
as the web player's byte path does.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.responses import FileResponse
from starlette.types import Message, Receive, Scope, Send

from encore.entitlements import PlayTap


class CountedFileResponse(FileResponse):
    """A stored rendition, sent as Starlette's FileResponse does, with each body block reported to `tap`.

    A multi-range request gets the whole file (RFC 9110 lets a server ignore Range): the clock then sees
    plain offsets rather than multipart framing it would have to parse.
    """

    def __init__(self, path: Path, *, tap: PlayTap, rendition: str, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self._tap, self._rendition, self._size = tap, rendition, path.stat().st_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k, v) for k, v in scope["headers"] if not (k == b"range" and b"," in v)]
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        position = 0

        async def counting(message: Message) -> None:
            nonlocal position
            await send(message)
            if message["type"] == "http.response.start":
                position = _range_start(message["headers"])
            elif message["type"] == "http.response.body" and message.get("body"):
                end = position + len(message["body"])
                self._tap.served(self._rendition, self._size, position, end)
                position = end

        try:
            await super().__call__({**scope, "headers": headers, "extensions": extensions}, receive, counting)
        finally:
            self._tap.close()


def _range_start(headers: list[tuple[bytes, bytes]]) -> int:
    for name, value in headers:
        if name.lower() == b"content-range":  # "bytes 100-199/1000"
            return int(value.split(b" ", 1)[1].split(b"-", 1)[0])
    return 0


def counted_transcode(
    body: Iterator[bytes], *, tap: PlayTap, kbps: int, offset_ms: int, duration_ms: int
) -> Iterator[bytes]:
    """An MP3 transcode's blocks, each charged as the milliseconds of audio it carries at `kbps`."""
    sent = 0
    try:
        for block in body:
            yield block
            start = offset_ms + sent * 8 // kbps
            sent += len(block)
            tap.served(f"mp3-{kbps}", duration_ms, start, offset_ms + sent * 8 // kbps)
    finally:
        tap.close()
