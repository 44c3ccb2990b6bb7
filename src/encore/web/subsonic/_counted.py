"""Subsonic audio's responses, sent and counted as the web player's is: what is sent is what could be heard.

A stored file goes through the one byte path (`encore.web._byte_path.BytePath`), the same code that serves the
player's signed `/stream/` URLs. An on-the-fly MP3 transcode is counted by `encore.playback.counted_transcode`
(its blocks placed in audio time, charged, paced and counted by the same owner as the byte path's); here is
only its HTTP side, a streamed response that tells a held block when the client has gone.
"""

import threading
from collections.abc import Iterator
from typing import Any

from fastapi.responses import Response

from encore.streaming import MediaFile
from encore.web._byte_path import BytePath
from encore.web._closing import ClosingStreamingResponse
from encore.web._security import Message, Receive, Scope, Send


class BytePathResponse(Response):
    """A stored rendition, sent by the byte path. A multi-range request gets the whole file (RFC 9110 lets a
    server ignore Range). Subsonic's own ad decision (`playable`) came first, so the byte path does not refuse
    a play an owed ad stops; when the clock says this play may send no more, the body ends short."""

    def __init__(
        self, path: BytePath, *, user: str, track: str, rendition: str, media: MediaFile, headers: dict[str, str]
    ) -> None:
        super().__init__(status_code=200)
        self._path, self._user, self._track, self._rendition, self._media = path, user, track, rendition, media
        self._extra = tuple((k.lower().encode(), v.encode()) for k, v in headers.items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._path.serve(
            scope,
            receive,
            send,
            method="GET",  # Subsonic's POST asks for the same bytes
            user=self._user,
            track=self._track,
            rendition=self._rendition,
            media=self._media,
            gate=False,
            charge=self._media.music,  # ad audio is never on the ad clock
            headers=self._extra,
        )


class TranscodeResponse(ClosingStreamingResponse):
    """A counted transcode's response: `gone` is set as soon as the client hangs up (Starlette listens for it
    while the worker thread holds a paced block; the send loop itself cannot be cancelled until that thread
    returns) or the response ends otherwise, so a hold waiting on it (`counted_transcode(hold=gone.wait)`)
    ends at once and its block is never charged."""

    def __init__(self, content: Iterator[bytes], *, gone: threading.Event, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.gone = gone

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watched() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.gone.set()
            return message

        await super().__call__(scope, watched, send)

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        finally:  # ended however (a failed send): a thread still held in `gone.wait` returns now
            self.gone.set()
