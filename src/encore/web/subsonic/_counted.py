"""Subsonic audio, sent and counted as the web player's is: what is sent is what could be heard.

A stored file goes through the one byte path (`encore.web._byte_path.BytePath`), the same code that serves the
player's signed `/stream/` URLs: one Range of the file, each block charged to a free listener's ad clock, held
as the tier's pacing says, and counted toward a verified stream. An on-the-fly MP3 transcode has no byte
offsets in a file, so its blocks are placed in audio time (milliseconds at the target bitrate) and go to the
same ad clock, pacing and verified-stream count from the worker thread that encodes them.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from fastapi.responses import Response

from encore.playback import PlayTap, Verified
from encore.state import StateUnavailable
from encore.streaming import MediaFile
from encore.web._byte_path import LOST, BytePath, Pace
from encore.web._closing import ClosingStreamingResponse
from encore.web._security import Message, Receive, Scope, Send

log = logging.getLogger(__name__)
TapFactory = Callable[[], PlayTap | None]


class CountsSent(Protocol):
    """What a transcode sent, counted from its worker thread: toward a verified stream (`StreamCount`), or of
    an ad toward its impression (`AdAudioCount`, which never answers a stream to record)."""

    def sent_now(self, start: int, end: int) -> Verified | None: ...
    def close_now(self) -> Verified | None: ...
    def retry_now(self, verified: Verified) -> None: ...


# (the transcode's count, how to write a verified stream from a worker thread)
Verifying = tuple[CountsSent, Callable[[Verified], None]]
# Hold a paced block this many seconds; True when the client left meanwhile (`threading.Event.wait`)
Hold = Callable[[float], bool]


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False


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


def counted_transcode(
    body: Iterator[bytes],
    *,
    taps: TapFactory,
    kbps: int,
    offset_ms: int,
    duration_ms: int,
    pace: Pace | None = None,
    verifying: Verifying | None = None,
    hold: Hold = _sleep,
) -> Iterator[bytes]:
    """An MP3 transcode's blocks, each placed as the milliseconds of audio it carries at `kbps` and charged as
    the byte path's are: one move that charges the block only once the free tier's pacing lets the play have
    it, and otherwise answers the wait, charging nothing; this iterates in a worker thread, so it `hold`s
    the block and asks again. A block is charged just before it is handed out, never before it is held, and
    counted toward a verified stream once handed out. It stops early when the clock says this play may send
    no more, and without charging the held block when `hold` says the client left during the hold
    (`TranscodeResponse.gone`)."""
    tap = None
    rendition = f"mp3-{kbps}"
    sent = 0
    try:
        tap = taps()
        paced = None if pace is None else pace()  # read once per response, as the byte path does
        for block in body:
            start = offset_ms + sent * 8 // kbps
            sent += len(block)
            end = offset_ms + sent * 8 // kbps
            more = True
            if tap is not None:
                charge = tap.charge(rendition, duration_ms, start, end, pace=paced, unit="ms")
                while charge.wait_s > 0:  # paced: nothing charged yet; ask again when the pacing should allow it
                    if hold(charge.wait_s):
                        return  # the client left while the block was held: it is never charged
                    charge = tap.charge(rendition, duration_ms, start, end, pace=paced, unit="ms")
                more = charge.more
            yield block
            if verifying is not None:
                _recorded(verifying, verifying[0].sent_now(start, end))
            if not more:
                return
    except StateUnavailable as exc:
        # The 200 is already sent, so no 503 can be: the stream ends here, before the block that could not
        # be charged (nothing is sent uncharged); the client asks again with a timeOffset
        log.warning("transcode stopped: shared state unavailable: %s", exc)
    finally:
        try:
            if tap is not None:
                tap.close()
            if verifying is not None:
                _recorded(verifying, verifying[0].close_now())
        except StateUnavailable as exc:
            log.warning("transcode's close not recorded: shared state unavailable: %s", exc)


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


def _recorded(verifying: Verifying, found: Verified | None) -> None:
    """`encore.web._byte_path._recorded` from the transcode's worker thread."""
    if found is None:
        return
    count, record = verifying
    try:
        record(found)
    except Exception:
        log.exception(LOST)
        count.retry_now(found)
