"""What each block of audio a response sends counts toward, for every face that sends it: the one owner of the
counting (issue #14). A block is held until the free tier's pacing lets the play have it, charged to a free
listener's ad clock before it is handed out (a block held for a client that has gone is never charged), and
counted toward a verified stream (or an ad's impression) once handed out; a verified stream found so is
written, or kept for later, and when it could be neither the play is unmarked. The byte path of stored files
(`encore.web._byte_path`, async: `block_count`) and Subsonic's MP3 transcodes (`counted_transcode`, a worker
thread's iterator, its blocks placed in audio time) both count here; the faces only send.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol

from encore.playback._playtap import Charge, PlayTap
from encore.playback._served import index_probe
from encore.playback._verified import Verified
from encore.state import StateUnavailable

log = logging.getLogger(__name__)


class Tap(Protocol):
    """A response's tap on the listener's ad clock (`PlayTap`), as the byte path charges it."""

    async def acharge(
        self, rendition: str, size: int, start: int, end: int, *, gate: bool, pace: tuple[int, float] | None
    ) -> Charge: ...
    def close(self) -> None: ...


Pace = Callable[[], tuple[int, float]]  # the free tier's pacing now: (burst ms, speed x real time)


class Counted(Protocol):
    """What one response sent toward a verified stream (`encore.playback.StreamCount`), or of an ad toward its
    impression (`encore.playback.AdAudioCount`, which never answers a stream to record)."""

    async def sent(self, start: int, end: int) -> object | None: ...
    async def close(self) -> object | None: ...
    async def retry(self, found: Any) -> None: ...


Record = Callable[[Any], Awaitable[None]]  # writes a verified stream (once per play), or keeps it for later
LOST = (
    "a verified stream could be neither written nor kept for a later write; it is recorded only if more of "
    "its play is sent (a later block or request)"
)


async def recorded(verify: Counted, record: Record, found: object) -> None:
    """Write a verified stream (`record` keeps one whose write failed in the outbox, for the minutely drain).
    When it could be neither written nor kept, that is logged, never raised into the byte path, and the play
    is unmarked: only a later block of this response or another request of this play can still record it."""
    try:
        await record(found)
    except Exception:
        log.exception(LOST)
        await verify.retry(found)


class BlockCount:
    """Each block sent: held until the tier's pacing lets the play have it, then charged to the listener's ad
    clock (free) before it is sent, so a block held for a client that has gone (a player that seeked away)
    is never charged; counted toward a verified stream once sent. The first block's charge also gates the
    response (`gate`: refused while an owed ad stops this play), in the same one move on the shared state."""

    def __init__(  # noqa: PLR0917 - what each block is reported to
        self,
        tap: Tap | None,
        verify: Counted | None,
        record: Record | None,
        pace: Pace | None,
        rendition: str,
        size: int,
        *,
        gate: bool,
    ) -> None:
        self._tap, self._verify, self._record, self._pace = tap, verify, record, pace
        self._rendition, self._size, self._gate = rendition, size, gate
        self.holds = tap is not None  # nothing to charge or hold: `first` and `before` need no await
        self._paced = None if pace is None else pace()  # read once per response
        self._first: tuple[int, int, Charge] | None = None  # the first block's answer, before the response began

    async def _charge(self, tap: Tap, start: int, end: int, *, gate: bool) -> Charge:
        pace = None if index_probe(start, self._size) else self._paced  # a player reading the length: never held
        return await tap.acharge(self._rendition, self._size, start, end, gate=gate, pace=pace)

    async def first(self, start: int, end: int) -> bool:
        if self._tap is None:
            return True
        charge = await self._charge(self._tap, start, end, gate=self._gate)
        if charge.refused:
            return False
        self._first = (start, end, charge)
        return True

    async def before(self, start: int, end: int, gone: "asyncio.Future[None] | None") -> bool | None:
        if self._tap is None:
            return True
        first, self._first = self._first, None
        charge = first[2] if first is not None and first[:2] == (start, end) else None
        if charge is None:
            charge = await self._charge(self._tap, start, end, gate=False)
        while charge.wait_s > 0:  # paced: nothing charged yet; ask again when the pacing should allow it
            if await _held(charge.wait_s, gone):
                return None
            charge = await self._charge(self._tap, start, end, gate=False)
        return charge.more

    async def after(self, start: int, end: int) -> None:
        verify, record = self._verify, self._record
        if verify is not None and record is not None and (found := await verify.sent(start, end)) is not None:
            await recorded(verify, record, found)


class VerifyOnly:
    """`BlockCount` of a response nothing is charged for (a Premium listener's): each block sent is only counted
    toward a verified stream. No pacing is read and nothing is held, so `first` and `before` are not awaited."""

    __slots__ = ("_record", "_verify")
    holds = False

    def __init__(self, verify: Counted, record: Record) -> None:
        self._verify, self._record = verify, record

    async def first(self, start: int, end: int) -> bool:
        return True

    async def before(self, start: int, end: int, gone: "asyncio.Future[None] | None") -> bool | None:
        return True

    async def after(self, start: int, end: int) -> None:
        if (found := await self._verify.sent(start, end)) is not None:
            await recorded(self._verify, self._record, found)


async def _held(wait_s: float, gone: "asyncio.Future[None] | None") -> bool:
    """Hold a block `wait_s`; True when the client hung up meanwhile (the block is then never charged)."""
    if gone is None:
        await asyncio.sleep(wait_s)
        return False
    await asyncio.wait((gone,), timeout=wait_s)
    return gone.done()


def block_count(  # noqa: PLR0917 - what each block is reported to
    tap: Tap | None,
    verify: Counted | None,
    record: Record | None,
    pace: Pace | None,
    rendition: str,
    size: int,
    *,
    gate: bool,
) -> BlockCount | VerifyOnly | None:
    """What each block of one byte-path response counts toward: charged and paced with a tap (a free listener,
    `gate` for a URL an owed ad may stop), only verified without one (Premium), or nothing to count."""
    if tap is None:
        return None if verify is None or record is None else VerifyOnly(verify, record)
    return BlockCount(tap, verify, record, pace, rendition, size, gate=gate)


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
                _recorded_now(verifying, verifying[0].sent_now(start, end))
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
                _recorded_now(verifying, verifying[0].close_now())
        except StateUnavailable as exc:
            log.warning("transcode's close not recorded: shared state unavailable: %s", exc)


def _recorded_now(verifying: Verifying, found: Verified | None) -> None:
    """`recorded` from the transcode's worker thread."""
    if found is None:
        return
    count, record = verifying
    try:
        record(found)
    except Exception:
        log.exception(LOST)
        count.retry_now(found)
