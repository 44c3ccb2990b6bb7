"""The tap a response that sends a free listener's music reports each block to (`AdClockBook.tap`)."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from encore.playback._charge import CHARGE, MORE, NO_PLAY, NO_SEEK, REFUSED, WAIT, charge_args
from encore.playback._clockdoc import DIRTY, clock_key, spans_key
from encore.playback._clockstate import to_us
from encore.playback._served import pace_decision

if TYPE_CHECKING:
    from encore.playback._clockbook import AdClockBook


@dataclass(frozen=True)
class Charge:
    """What one block's charge answered: `refused` (gated: an owed ad stops this play, nothing charged), or
    `wait_s` > 0 (paced: nothing charged, ask again then), or charged and whether the play may send `more`."""

    refused: bool = False
    wait_s: float = 0.0
    more: bool = True


REFUSE = Charge(refused=True, more=False)
SENT, LAST = Charge(), Charge(more=False)


class PlayTap:
    """Handed to a response that sends a listener's music: it reports each block sent, then closes.

    Each block is one atomic move on the shared state (`_charge.CHARGE`: one EVALSHA with Redis). While an ad
    is owed (the clock is at the interval), only the listener's last two plays (the track playing and the one
    a player prefetched) may send more: URLs collected earlier cannot be spent instead of the ad. The byte
    path asks the move to pace (`acharge`: a block is charged once the pacing lets the play have it); the
    sync form (Subsonic's transcode, iterating in a thread) charges each block and then holds it (`wait_s`).
    """

    def __init__(self, book: "AdClockBook", user_id: int, track: str, limit_ms: int) -> None:
        self._state, self._ttls, self._clock = book._state, book._ttls(2), book._clock
        self._keys = (clock_key(user_id), spans_key(user_id, track))
        self._dirty = [str(user_id)]
        self._track, self._limit_ms = track, limit_ms
        # the last charge's reply: the play's audio charged, its URL's issue (µs), its length, its latest seek
        # (the audio charged before it, when in µs; NO_SEEK for none)
        self._heard: tuple[int, int, int, int, int] | None = None
        self._open = True  # False once a charge found no open play: nothing more to charge on this response

    def wait_s(self, now: datetime, *, burst_s: int, speed: float) -> float:
        """How long to hold the block just charged (`served`) before sending it (the free tier's pacing,
        `_served.pace_decision`). The charge read the play's shared document atomically, so this counts every
        block charged for the play by any response (parallel or successive ranges): a play never runs ahead
        of its allowance, its first block included, except where a seek opened a fresh burst."""
        if self._heard is None:
            return 0.0  # nothing charged: the play is forgotten (Premium now, or the state was emptied)
        heard, issued_us, _duration_ms, seek_heard, seek_us = self._heard
        now_us = to_us(now) or 0
        seek = None if seek_us == NO_SEEK else (seek_heard, now_us - seek_us)
        paced = pace_decision(
            heard_ms=heard, since_url_us=now_us - issued_us, burst_ms=burst_s * 1000, speed=speed, seek=seek
        )
        return paced.wait_ms / 1000

    def _args(
        self, rendition: str, size: int, start: int, end: int, *, gate: bool, pace: tuple[int, float] | None = None
    ) -> list[str | int]:
        now_us = to_us(self._clock.now()) or 0
        return charge_args(
            self._track, rendition, size, start, end, self._limit_ms, gate=gate, now_us=now_us, pace=pace
        )

    def _read(self, reply: list[int]) -> tuple[Charge, bool]:
        """(the charge's answer; whether the clock just became dirty) from `CHARGE`'s reply."""
        status = reply[0]
        if status == REFUSED:
            return REFUSE, False
        if status == WAIT:
            return Charge(wait_s=reply[1] / 1000), False
        if status == NO_PLAY:
            self._open = False
            return SENT, False
        self._heard = (reply[2], reply[3], reply[4], reply[5], reply[6])
        return (SENT if status == MORE else LAST), bool(reply[1])

    def served(self, rendition: str, size: int, start: int, end: int) -> bool:
        """[start, end) of `size` units (bytes of a file, or ms of a transcode) of `rendition` were sent.
        False when this play may send no more now (an ad is owed and it is not one of the last two)."""
        if not self._open:
            return True
        reply = self._state.run(
            CHARGE, self._keys, self._args(rendition, size, start, end, gate=False), ttl_s=self._ttls
        )
        charge, dirtied = self._read(reply)
        if dirtied:
            self._state.push(DIRTY, self._dirty)
        return charge.more

    async def acharge(
        self, rendition: str, size: int, start: int, end: int, *, gate: bool, pace: tuple[int, float] | None
    ) -> Charge:
        """Charge [start, end) of `rendition` about to be sent. With `gate`, refused (nothing charged) when an
        owed ad stops this play; with `pace` = (burst ms, speed), charged only once the pacing allows it, else
        the wait. One atomic move (the byte path reads no clock first)."""
        if not self._open:
            return SENT  # no play was open for this response: nothing to charge (Premium, or state emptied)
        args = self._args(rendition, size, start, end, gate=gate, pace=pace)
        reply = await self._state.arun(CHARGE, self._keys, args, ttl_s=self._ttls)
        charge, dirtied = self._read(reply)
        if dirtied:
            await self._state.apush(DIRTY, self._dirty)
        return charge

    async def aserved(self, rendition: str, size: int, start: int, end: int) -> bool:
        return (await self.acharge(rendition, size, start, end, gate=False, pace=None)).more

    async def afirst(self, rendition: str, size: int, start: int, end: int, *, gate: bool) -> bool | None:
        """A response's first block, unpaced: None (nothing charged) when `gate` and an owed ad stops this play;
        otherwise charged as `aserved`."""
        charge = await self.acharge(rendition, size, start, end, gate=gate, pace=None)
        return None if charge.refused else charge.more

    def close(self) -> None:
        """Nothing is held: every block was charged as it was sent."""
