"""The tap a response that sends a free listener's music reports each block to (`AdClockBook.tap`)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from encore.playback._charge import CHARGE, MORE, NO_PLAY, REFUSED, WAIT, charge_args
from encore.playback._clockdoc import DIRTY, clock_key, spans_key
from encore.playback._clockstate import to_us
from encore.playback._served import Unit

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
    a player prefetched) may send more: URLs collected earlier cannot be spent instead of the ad. Asked to
    pace, the move charges a block only once the pacing lets the play have it, and otherwise answers the
    wait: the byte path (`acharge`) and Subsonic's transcode (`charge`, in a thread) hold it and ask again.
    """

    def __init__(self, book: "AdClockBook", user_id: int, track: str, limit_ms: int) -> None:
        self._state, self._ttls, self._clock = book._state, book._ttls(2), book._clock
        self._keys = (clock_key(user_id), spans_key(user_id, track))
        self._dirty = [str(user_id)]
        self._track, self._limit_ms = track, limit_ms
        self._open = True  # False once a charge found no open play: nothing more to charge on this response

    def _args(
        self,
        rendition: str,
        size: int,
        start: int,
        end: int,
        *,
        gate: bool,
        pace: tuple[int, float] | None = None,
        unit: Unit = "bytes",
    ) -> list[str | int]:
        now_us = to_us(self._clock.now()) or 0
        return charge_args(
            self._track, rendition, size, start, end, self._limit_ms, gate=gate, now_us=now_us, pace=pace, unit=unit
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
        return (SENT if status == MORE else LAST), bool(reply[1])

    def served(self, rendition: str, size: int, start: int, end: int) -> bool:
        """[start, end) of `size` bytes of `rendition` were sent, unpaced. False when this play may send no
        more now (an ad is owed and it is not one of the last two)."""
        return self.charge(rendition, size, start, end).more

    def charge(
        self,
        rendition: str,
        size: int,
        start: int,
        end: int,
        *,
        pace: tuple[int, float] | None = None,
        unit: Unit = "bytes",
    ) -> Charge:
        """`acharge` for a thread (Subsonic's transcode, whose positions are ms: `unit`), never gated."""
        if not self._open:
            return SENT
        args = self._args(rendition, size, start, end, gate=False, pace=pace, unit=unit)
        charge, dirtied = self._read(self._state.run(CHARGE, self._keys, args, ttl_s=self._ttls))
        if dirtied:
            self._state.push(DIRTY, self._dirty)
        return charge

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

    def close(self) -> None:
        """Nothing is held: every block was charged as it was sent."""
