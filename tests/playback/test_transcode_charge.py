"""Subsonic's MP3 transcode is charged as the byte path is (issue #14): one move charges a block only once the
free tier's pacing lets the play have it, so a block held for a client is never charged before it is sent;
its positions are milliseconds of audio, so a `timeOffset` anywhere in the track is a seek, its second half
included (the byte path's file-tail exception does not apply). Real taps, on memory and on Redis state."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio

from encore.kernel import FixedClock
from encore.playback import AdClockBook, ClockState, Hold, PlayNames, counted_transcode
from encore.playback._served import seek_check
from encore.state import SharedState
from encore.web.subsonic._counted import TranscodeResponse

ME = "t" * 22
TRACK, OTHER = "a" * 22, "b" * 22
KBPS = 128  # 16 bytes of MP3 a millisecond
BLOCK_MS = 5_000
BLOCK = BLOCK_MS * KBPS // 8  # one block of the encoder's output: 5 s of audio
DURATION_MS = 200_000  # under 262 s: a byte rule would call its whole second half the file's tail
NOW = datetime(2026, 12, 3, 11, tzinfo=UTC)
PACE = (10_000, 2.0)  # the product's pacing: a 10 s burst, then 2x real time


class Free:
    """A free listener with open plays of OTHER then TRACK, issued at NOW and asked for 1 s later; each hold
    passes on the fixed clock and records what the play had been charged while the block was held."""

    def __init__(self, state: SharedState) -> None:
        self.clock = FixedClock(NOW + timedelta(seconds=1))
        self.book = AdClockBook(state, clock=self.clock)
        for i, track in enumerate([OTHER, TRACK]):
            self.book.move(
                None,  # type: ignore[arg-type]  # `loaded` is given: no database is read
                1,
                lambda st, i=i: (st.charged(track_id=i, duration_ms=DURATION_MS, now=NOW), None),
                loaded=ClockState(),
                names=PlayNames(ME, track, i),
            )
        self.holds: list[tuple[float, int]] = []  # (seconds held, the play's charge while held)

    def hold(self, seconds: float) -> bool:
        self.holds.append((seconds, self.charged()))
        self.clock.advance(seconds)
        return False

    def charged(self) -> int:
        return self.book.charged_plays(1)[TRACK]

    def transcode(self, offset_ms: int, blocks: int) -> int:
        """Blocks of a transcode from `offset_ms` handed out to the client; the bytes it got."""
        self.holds = []
        return sum(len(b) for b in self.body(offset_ms, blocks))

    def body(self, offset_ms: int, blocks: int, hold: Hold | None = None) -> Iterator[bytes]:
        """A paced transcode of `blocks` encoder blocks from `offset_ms`, held by `hold` (this fixed clock's)."""
        return counted_transcode(
            iter([b"\xff" * BLOCK] * blocks),
            taps=lambda: self.book.tap(ME, TRACK, interval_s=3600),
            kbps=KBPS,
            offset_ms=offset_ms,
            duration_ms=DURATION_MS,
            pace=lambda: PACE,
            hold=self.hold if hold is None else hold,
        )


def test_a_transcode_block_held_by_the_pacing_is_charged_only_when_sent(state: SharedState) -> None:
    me = Free(state)
    # 1 s after the URL the play may have 10 + 2 x 1 = 12 s: two blocks go at once, the third (15 s) waits
    # (15 - 12) / 2 = 1.5 s, the fourth (20 - 15) / 2 = 2.5 s more
    assert me.transcode(0, 4) == 4 * BLOCK
    assert me.holds == [(1.5, 2 * BLOCK_MS), (2.5, 3 * BLOCK_MS)]  # what was sent so far, not the held block
    assert me.charged() == 4 * BLOCK_MS


def test_a_transcode_left_after_its_burst_charges_only_the_blocks_taken(state: SharedState) -> None:
    me = Free(state)
    body = me.body(0, 4)
    assert [len(next(body)) for _ in range(2)] == [BLOCK, BLOCK]  # the burst
    body.close()  # the client went away; the third block was never asked for
    assert me.charged() == 2 * BLOCK_MS


def test_a_time_offset_is_a_seek_in_ms_with_no_file_tail() -> None:
    sent = ((0, 20_000),)
    assert seek_check(sent, 150_000, DURATION_MS, unit="ms").seek  # the second half: a seek
    assert not seek_check(sent, 150_000, DURATION_MS).seek  # in bytes it would be a player reading the tail
    assert not seek_check(sent, 20_000, DURATION_MS, unit="ms").seek  # the stream going on
    assert not seek_check((), 150_000, DURATION_MS, unit="ms").seek  # the play's first read
    assert "outside" in seek_check(sent, 199_000, DURATION_MS, unit="ms").reason


def test_a_time_offset_in_the_second_half_opens_a_fresh_burst(state: SharedState) -> None:
    me = Free(state)
    assert me.transcode(0, 2) == 2 * BLOCK  # 10 s: the URL's burst
    # timeOffset=150 at once: the URL's allowance (12 s) would hold its first block 4 s; a seek sends it now
    assert me.transcode(150_000, 3) == 3 * BLOCK
    assert me.holds == [(2.5, 4 * BLOCK_MS)]  # its third block: (25 - 20) / 2 s, paced from the seek
    assert me.charged() == 5 * BLOCK_MS


def test_a_hold_that_sees_the_client_leave_ends_the_transcode_uncharged(state: SharedState) -> None:
    me = Free(state)
    body = me.body(0, 4, lambda seconds: me.hold(seconds) or True)  # the client left during the third block's hold
    assert [len(b) for b in body] == [BLOCK, BLOCK]
    assert me.charged() == 2 * BLOCK_MS  # the held block was never charged


def test_a_client_leaving_during_a_pacing_hold_is_not_charged_the_held_block(state: SharedState) -> None:
    """Over ASGI, as Subsonic's face answers a transcode: the client hangs up while the worker thread holds
    the third block (1.5 s of pacing); the hold ends at once and that block is never charged. Before, the
    thread finished the hold, charged the block and yielded it into the closed response."""
    me = Free(state)
    gone = threading.Event()

    def hold(seconds: float) -> bool:
        left = gone.wait(seconds)
        me.clock.advance(seconds)  # the pacing's time passes either way: a finished hold would be charged
        return left

    response = TranscodeResponse(me.body(0, 4, hold), gone=gone, media_type="audio/mpeg")
    got: list[int] = []
    burst_sent: list[anyio.Event] = []  # made in the event loop

    async def receive() -> dict[str, Any]:
        await burst_sent[0].wait()
        await anyio.sleep(0.2)  # the third block is being held (1.5 s)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        got.append(len(message.get("body", b"")))
        if len(got) == 3:  # the start and the burst's two blocks
            burst_sent[0].set()

    async def serve() -> None:
        burst_sent.append(anyio.Event())
        await response({"type": "http", "asgi": {"spec_version": "2.3"}, "method": "GET", "headers": []}, receive, send)

    anyio.run(serve)  # a hold not cut short would end, and its block be charged (the hold advances the clock)
    assert [n for n in got if n] == [BLOCK, BLOCK]  # (then at most the empty end, into a closed connection)
    assert me.charged() == 2 * BLOCK_MS
