"""A streaming response over a blocking iterator that is closed when the response ends, however it ends.

When a client hangs up, Starlette cancels the send loop but leaves a sync iterator suspended until the
garbage collector finds it, so an MP3 encoder kept running state and its transcode slot for as long as
that took. Closing it here runs its `finally` at once.
"""

import time
from collections.abc import Iterator
from typing import Any

import anyio
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

_CLOSE_TRIES = 400  # x 25 ms: the worker thread may still be inside one next() when the client leaves


def _close(source: Iterator[bytes]) -> None:
    close = getattr(source, "close", None)
    if close is None:
        return
    for _ in range(_CLOSE_TRIES):
        try:
            close()
            return
        except ValueError:  # "generator already executing": a thread is still inside next(); wait for it
            time.sleep(0.025)


class ClosingStreamingResponse(StreamingResponse):
    def __init__(self, content: Iterator[bytes], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._source = content

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_close, self._source)
