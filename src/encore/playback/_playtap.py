"""The tap a response that sends a free listener's music reports each block to (`AdClockBook.tap`)."""

from datetime import datetime
from typing import TYPE_CHECKING

from encore.playback._clockdoc import DIRTY, clock_key
from encore.playback._clockstate import to_us
from encore.playback._served import pace_wait_ms

if TYPE_CHECKING:
    from encore.playback._clockbook import AdClockBook
    from encore.state import Doc


class PlayTap:
    """Handed to a response that sends a listener's music: it reports each block sent, then closes.

    While an ad is owed (the clock is at the interval), only the listener's last two plays (the track playing
    and the one a player prefetched) may send more: URLs collected earlier cannot be spent instead of the ad.
    The sync and async forms do the same (the byte path awaits; Subsonic's transcode iterates in a thread).
    """

    def __init__(
        self, book: "AdClockBook", user_id: int, track: str, limit_ms: int, *, clock: "Doc | None" = None
    ) -> None:
        self._book, self._user_id, self._track, self._limit_ms = book, user_id, track, limit_ms
        self._heard: tuple[int, int, int] | None = None  # (audio of the play charged, its URL's issue µs, length)
        self._clock = clock  # the clock document the tap was taken on: the first gate answers from it
        self._open = True  # False once a charge found no open play: nothing more to charge on this response

    def wait_s(self, now: datetime, *, burst_s: int, speed: float) -> float:
        """How long to hold the block just charged (`served`) before sending it (the free tier's pacing,
        `_served.pace_wait_ms`). The charge read the play's shared document atomically, so this counts every
        block charged for the play by any response (parallel or successive ranges): a play never runs ahead
        of its allowance, its first block included."""
        if self._heard is None:
            return 0.0  # nothing charged: the play is forgotten (Premium now, or the state was emptied)
        heard, issued_us, _duration_ms = self._heard
        elapsed_ms = ((to_us(now) or 0) - issued_us) // 1000
        return pace_wait_ms(heard_ms=heard, elapsed_ms=elapsed_ms, burst_ms=burst_s * 1000, speed=speed) / 1000

    def may_send(self) -> bool:
        raw = self._taken() or self._book._state.get(clock_key(self._user_id))
        return self._book._may_send(raw, self._track, self._limit_ms)

    async def amay_send(self) -> bool:
        raw = self._taken() or await self._book._state.aget(clock_key(self._user_id))
        return self._book._may_send(raw, self._track, self._limit_ms)

    def _taken(self) -> "Doc | None":
        """The clock read when the tap was taken, once (a later gate reads the state again)."""
        raw, self._clock = self._clock, None
        return raw

    def served(self, rendition: str, size: int, start: int, end: int) -> bool:
        """[start, end) of `size` units (bytes of a file, or ms of a transcode) of `rendition` were sent.
        False when this play may send no more now (an ad is owed and it is not one of the last two)."""
        keys, step = self._book._served_step(self._user_id, self._track, self._limit_ms, rendition, size, start, end)
        allowed, dirtied, self._heard = self._book._state.update(keys, step, ttl_s=self._book._ttls(2))
        if dirtied:
            self._book._state.push(DIRTY, [str(self._user_id)])
        return allowed

    async def aserved(self, rendition: str, size: int, start: int, end: int) -> bool:
        found = await self._acharge(rendition, size, start, end, gate=False)
        return True if found is None else found

    async def afirst(self, rendition: str, size: int, start: int, end: int, *, gate: bool) -> bool | None:
        """The response's first block: with `gate`, refused (None, nothing charged) when an owed ad stops this
        play; otherwise charged as `aserved`, in the same one atomic move (the byte path reads no clock first)."""
        return await self._acharge(rendition, size, start, end, gate=gate)

    async def _acharge(self, rendition: str, size: int, start: int, end: int, *, gate: bool) -> bool | None:
        if not self._open:
            return True  # no play was open for this response: nothing to charge (Premium, or state emptied)
        book = self._book
        keys, step = book._served_step(
            self._user_id, self._track, self._limit_ms, rendition, size, start, end, gate=gate
        )
        allowed, dirtied, self._heard = await book._state.aupdate(keys, step, ttl_s=book._ttls(2))
        if self._heard is None:
            if not allowed:
                return None
            self._open = False
        if dirtied:
            await book._state.apush(DIRTY, [str(self._user_id)])
        return allowed

    def close(self) -> None:
        """Nothing is held: every block was charged as it was sent."""
