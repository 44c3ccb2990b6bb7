"""The tap a response that sends a free listener's music reports each block to (`AdClockBook.tap`)."""

from datetime import datetime
from typing import TYPE_CHECKING

from encore.playback._charge import CHARGE, MORE, NO_PLAY, REFUSED, charge_args
from encore.playback._clockdoc import DIRTY, clock_key, spans_key
from encore.playback._clockstate import to_us
from encore.playback._served import pace_wait_ms

if TYPE_CHECKING:
    from encore.playback._clockbook import AdClockBook


class PlayTap:
    """Handed to a response that sends a listener's music: it reports each block sent, then closes.

    Each block is one atomic move on the shared state (`_charge.CHARGE`: one EVALSHA with Redis). While an ad
    is owed (the clock is at the interval), only the listener's last two plays (the track playing and the one
    a player prefetched) may send more: URLs collected earlier cannot be spent instead of the ad. The sync and
    async forms do the same (the byte path awaits; Subsonic's transcode iterates in a thread).
    """

    def __init__(self, book: "AdClockBook", user_id: int, track: str, limit_ms: int) -> None:
        self._state, self._ttls = book._state, book._ttls(2)
        self._keys = (clock_key(user_id), spans_key(user_id, track))
        self._dirty = [str(user_id)]
        self._track, self._limit_ms = track, limit_ms
        self._heard: tuple[int, int, int] | None = None  # (audio of the play charged, its URL's issue µs, length)
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

    def _args(self, rendition: str, size: int, start: int, end: int, gate: bool) -> list[str | int]:
        return charge_args(self._track, rendition, size, start, end, self._limit_ms, gate=gate)

    def _read(self, reply: list[int]) -> tuple[bool | None, bool]:
        """(may the play send more, None = refused; whether the clock just became dirty) from `CHARGE`'s reply."""
        status = reply[0]
        if status == REFUSED:
            return None, False
        if status == NO_PLAY:
            self._open = False
            return True, False
        self._heard = (reply[2], reply[3], reply[4])
        return status == MORE, bool(reply[1])

    def served(self, rendition: str, size: int, start: int, end: int) -> bool:
        """[start, end) of `size` units (bytes of a file, or ms of a transcode) of `rendition` were sent.
        False when this play may send no more now (an ad is owed and it is not one of the last two)."""
        if not self._open:
            return True
        reply = self._state.run(CHARGE, self._keys, self._args(rendition, size, start, end, False), ttl_s=self._ttls)
        allowed, dirtied = self._read(reply)
        if dirtied:
            self._state.push(DIRTY, self._dirty)
        return allowed is not False

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
        reply = await self._state.arun(
            CHARGE, self._keys, self._args(rendition, size, start, end, gate), ttl_s=self._ttls
        )
        allowed, dirtied = self._read(reply)
        if dirtied:
            await self._state.apush(DIRTY, self._dirty)
        return allowed

    def close(self) -> None:
        """Nothing is held: every block was charged as it was sent."""
