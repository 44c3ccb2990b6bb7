"""A free listener's seek opens a fresh burst (issue #14): a Range request that starts outside what the play
was sent gets its audio at once, then the pacing goes on at 2x from the seek, and every block is charged like
any other. The rule (`_served.seek_check`, `pace_decision`) alone, then through the real byte path with its
charge on memory and on Redis state."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from encore.kernel import FixedClock
from encore.playback import AdClockBook, Charge, ClockState, PlayNames, PlayTap
from encore.playback._served import PROBE_BYTES, pace_decision, seek_check
from encore.state import SharedState
from encore.streaming import MediaFile, media_file_for
from encore.web._byte_path import BytePath

ME = "s" * 22
BLOCK = 64 * 1024  # one counted block of the byte path
SIZE, DURATION_MS = 16 * BLOCK, 160_000  # 10 s of audio a block
BLOCK_MS = DURATION_MS * BLOCK // SIZE
TAIL = SIZE - PROBE_BYTES  # where a player reads the file's length
NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
BURST_S, SPEED = 10, 2.0  # the product's pacing: one block of burst here


def test_a_block_outside_what_was_sent_is_a_seek_and_nothing_else_is() -> None:
    sent = ((0, 3 * BLOCK),)
    assert seek_check(sent, 10 * BLOCK, SIZE).seek  # far ahead
    assert seek_check(((0, BLOCK), (8 * BLOCK, 9 * BLOCK)), 4 * BLOCK, SIZE).seek  # back into a hole
    assert not seek_check(sent, 3 * BLOCK, SIZE).seek  # right after what was sent: the stream goes on
    assert not seek_check(sent, BLOCK, SIZE).seek  # inside: a player re-reading what it has
    assert not seek_check(sent, TAIL + 1, SIZE).seek  # the tail: a player reading the length
    assert not seek_check((), 5 * BLOCK, SIZE).seek  # the play's first read: its URL's burst covers it
    after_tail = seek_check(((TAIL, SIZE),), 0, SIZE)  # Chromium reads the tail first, then the start
    assert not after_tail.seek and "first read" in after_tail.reason
    assert "outside" in seek_check(sent, 10 * BLOCK, SIZE).reason


def test_a_seek_paces_from_a_fresh_burst_where_it_landed() -> None:
    s = 1_000_000  # µs
    # 50 s sent 10 s after the URL: 20 s ahead of 10 + 2 x 10, held 10 s
    old = pace_decision(heard_ms=50_000, since_url_us=10 * s, burst_ms=10_000, speed=SPEED)
    assert old.wait_ms == 10_000 and "since the URL" in old.reason
    # the same play seeked at 40 s charged, 1 s ago: 40 + 10 + 2 x 1 = 52 s allowed, the block goes now
    seek = pace_decision(heard_ms=50_000, since_url_us=10 * s, burst_ms=10_000, speed=SPEED, seek=(40_000, s))
    assert seek.wait_ms == 0 and "seek" in seek.reason
    # past its fresh burst the seek is paced at 2x real time from the seek: (70 - 52) / 2
    paced = pace_decision(heard_ms=70_000, since_url_us=10 * s, burst_ms=10_000, speed=SPEED, seek=(40_000, s))
    assert paced.wait_ms == 9_000
    # an old seek never lowers the allowance below the URL's own
    assert (
        pace_decision(heard_ms=60_000, since_url_us=30 * s, burst_ms=10_000, speed=SPEED, seek=(0, 29 * s)).wait_ms == 0
    )
    assert pace_decision(heard_ms=600_000, since_url_us=0, burst_ms=10_000, speed=0).reason == "pacing off"


class Waited:
    """A real tap whose pacing waits pass on the fixed clock instead of the wall clock: each block's charge is
    asked again after the wait it was given, and the waits are recorded (a fake of time, not of the rule)."""

    def __init__(self, tap: PlayTap, clock: FixedClock, waits: list[float]) -> None:
        self._tap, self._clock, self._waits = tap, clock, waits

    async def acharge(
        self, rendition: str, size: int, start: int, end: int, *, gate: bool, pace: tuple[int, float] | None
    ) -> Charge:
        waited = 0.0
        for _ in range(100):
            charge = await self._tap.acharge(rendition, size, start, end, gate=gate, pace=pace)
            if charge.wait_s <= 0:
                self._waits.append(waited)
                return charge
            waited += charge.wait_s
            self._clock.advance(charge.wait_s)
        raise AssertionError("a block waited 100 times")

    def close(self) -> None:
        self._tap.close()


class Listener:
    """A free listener with open plays of `tracks` (issued at NOW, asked for 1 s later; the last two are
    playing), served by the real byte path and its charge, with the product's pacing."""

    def __init__(
        self, state: SharedState, tmp_path: Path, tracks: list[str], *, listened_ms: int = 0, burst_s: int = BURST_S
    ) -> None:
        self.state, self.tmp_path, self.clock = state, tmp_path, FixedClock(NOW + timedelta(seconds=1))
        self.book = AdClockBook(state, clock=self.clock)
        for i, track in enumerate(tracks):
            self.book.move(
                None,  # type: ignore[arg-type]  # `loaded` is given: no database is read
                1,
                lambda st, i=i: (st.charged(track_id=i, duration_ms=DURATION_MS, now=NOW), None),
                loaded=ClockState(listened_ms=listened_ms),
                names=PlayNames(ME, track, i),
            )
        self.waits: list[float] = []
        self.path = BytePath(taps=self._tap, pace=lambda: (burst_s * 1000, SPEED), cache_size=0)

    async def _tap(self, user: str, track: str) -> Waited | None:
        tap = await self.book.atap(user, track, interval_s=60)
        return None if tap is None else Waited(tap, self.clock, self.waits)

    def media(self, track: str) -> MediaFile:
        path = self.tmp_path / f"{track}.ogg"
        if not path.exists():
            path.write_bytes(bytes(range(256)) * (SIZE // 256))
        found = media_file_for(path)
        assert found is not None
        return found

    def get(self, track: str, first: int, last: int) -> tuple[int, int, list[float]]:
        """(status, bytes received, the pacing's wait for each block) of `bytes=first-last`."""
        out: list[dict[str, Any]] = []
        self.waits = []

        async def receive() -> dict[str, Any]:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            out.append(message)

        scope = {"type": "http", "method": "GET", "headers": [(b"range", b"bytes=%d-%d" % (first, last))]}
        media = self.media(track)

        async def go() -> None:
            await self.path.serve(scope, receive, send, method="GET", user=ME, track=track, rendition="r", media=media)
            await self.state.aclose()  # a Redis client belongs to the loop that opened it

        asyncio.run(go())
        return out[0]["status"], sum(len(m.get("body", b"")) for m in out[1:]), self.waits

    def charged(self, track: str) -> int:
        return self.book.charged_plays(1)[track]


def test_a_free_play_seeking_far_ahead_gets_its_bytes_at_once(tmp_path: Path, state: SharedState) -> None:
    track = "a" * 22
    me = Listener(state, tmp_path, ["b" * 22, track])
    # 1 s after the URL the play may have 10 + 2 x 1 = 12 s: its 2nd block waits (20 - 12) / 2 = 4 s, its
    # 3rd (30 - 20) / 2 = 5 s more, so 10 s after the URL it was sent 30 s
    assert me.get(track, 0, 3 * BLOCK - 1) == (206, 3 * BLOCK, [0.0, 4.0, 5.0])
    # A seek to 100 s of the 160 s track: the old allowance would hold its block (40 - 30) / 2 = 5 s; a
    # fresh burst sends it now, and the next block is paced at 2x from the seek
    assert me.get(track, 10 * BLOCK, 12 * BLOCK - 1) == (206, 2 * BLOCK, [0.0, 5.0])
    assert me.charged(track) == 5 * BLOCK_MS  # charged every block it was sent, like any audio
    # The stream going on from there is not a seek: paced from the seek's burst, 30 + 10 + 2 x 5 = 50 s
    assert me.get(track, 12 * BLOCK, 13 * BLOCK - 1) == (206, BLOCK, [5.0])
    # Reading again what was sent adds nothing to the charge: nothing to hold
    assert me.get(track, 0, BLOCK - 1) == (206, BLOCK, [0.0])
    assert me.charged(track) == 6 * BLOCK_MS


def test_reading_the_files_tail_first_opens_no_second_burst(tmp_path: Path, state: SharedState) -> None:
    """Chromium reads an Ogg file's last page (its length) before or while it starts to play: the start read
    after it is the play's first read, not a seek, so a listener who skips after 5 s is charged no more."""
    track = "a" * 22
    me = Listener(state, tmp_path, ["b" * 22, track])
    assert me.get(track, 15 * BLOCK, SIZE - 1) == (206, BLOCK, [0.0])  # the tail: charged, never held
    assert me.get(track, 0, 2 * BLOCK - 1) == (206, 2 * BLOCK, [4.0, 5.0])  # (20 - 12) / 2, then (30 - 20) / 2
    assert me.charged(track) == 3 * BLOCK_MS


def test_a_listener_who_seeks_all_over_a_kept_url_is_charged_all_of_it_and_meets_the_ad(
    tmp_path: Path, state: SharedState
) -> None:
    """Seeking never dodges: every block a seek gets is charged, and once the clock reaches the interval
    (60 s here) a URL collected earlier stops and is refused, seek or no seek."""
    kept = "k" * 22
    me = Listener(state, tmp_path, [kept, "b" * 22, "c" * 22])
    assert me.get(kept, 0, BLOCK - 1) == (206, BLOCK, [0.0])
    for n in (3, 6, 9, 12):  # four seeks of one block each: each sent at once
        assert me.get(kept, n * BLOCK, (n + 1) * BLOCK - 1) == (206, BLOCK, [0.0])
    assert me.charged(kept) == 5 * BLOCK_MS
    status, got, _ = me.get(kept, 7 * BLOCK, 9 * BLOCK - 1)  # a seek of two blocks whose first reaches 60 s
    assert (status, got) == (206, BLOCK)  # charged its block, then stopped: the ad is owed
    assert me.charged(kept) == 6 * BLOCK_MS
    assert me.get(kept, BLOCK, 2 * BLOCK - 1)[0] == 403  # and a further seek is refused
    assert me.charged(kept) == 6 * BLOCK_MS


def test_a_block_held_for_a_player_that_went_away_is_never_charged(tmp_path: Path, state: SharedState) -> None:
    """A player that seeks or skips hangs up on the response the pacing is holding: that block was never
    sent, so it is not charged (it used to be charged before it was held), and it hides no later seek."""
    track = "a" * 22
    me = Listener(state, tmp_path, ["b" * 22, track])
    tap = asyncio.run(_tap_of(me, track))
    path = BytePath(taps=lambda user, track: _same(tap), pace=lambda: (BURST_S * 1000, SPEED), cache_size=0)
    out: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.3)  # the player goes away while the second block is held (4 s)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    scope = {"type": "http", "method": "GET", "headers": [(b"range", b"bytes=0-%d" % (4 * BLOCK - 1))]}
    media = me.media(track)

    async def go() -> None:
        await path.serve(scope, receive, send, method="GET", user=ME, track=track, rendition="r", media=media)
        await state.aclose()

    asyncio.run(go())
    assert out[0]["status"] == 206 and sum(len(m.get("body", b"")) for m in out[1:]) == BLOCK
    assert me.charged(track) == BLOCK_MS  # the held block was not charged
    # and a seek to where it would have gone is a seek: sent at once
    assert me.get(track, BLOCK + 4096, 2 * BLOCK - 1) == (206, BLOCK - 4096, [0.0])


async def _tap_of(me: Listener, track: str) -> PlayTap | None:
    tap = await me.book.atap(ME, track, interval_s=60)
    await me.state.aclose()
    return tap


async def _same(tap: PlayTap | None) -> PlayTap | None:
    return tap


def test_a_held_seek_keeps_its_burst_while_its_block_waits(tmp_path: Path, state: SharedState) -> None:
    """A block holding more audio than the burst (a low-bitrate file, or a small `ENCORE_FREE_BURST_S`): its
    seek is kept while the block waits, so the retry is paced from the seek's burst. It used to be restamped
    at every retry, and the block waited for the URL's allowance as if there had been no seek."""
    track = "a" * 22
    me = Listener(state, tmp_path, ["b" * 22, track], burst_s=4)  # a block is 10 s of audio
    # 1 s after the URL the play may have 4 + 2 x 1 = 6 s: its 1st block waits (10 - 6) / 2 = 2 s
    assert me.get(track, 0, BLOCK - 1) == (206, BLOCK, [2.0])
    # 3 s after the URL, a seek to 100 s: 10 s were charged, so the seek allows 10 + 4 + 2 x t s; its 10 s
    # block waits (20 - 14) / 2 = 3 s, once. Paced from the URL (4 + 2 x 3 = 10 s) it would wait 5 s.
    assert me.get(track, 10 * BLOCK, 11 * BLOCK - 1) == (206, BLOCK, [3.0])
    assert me.charged(track) == 2 * BLOCK_MS


def test_a_stream_resumed_where_a_seek_burst_ended_keeps_its_allowance(tmp_path: Path, state: SharedState) -> None:
    """Decision (issue #14): a response that starts exactly where what was sent ends is the stream going on,
    after a seek too. It keeps the seek's allowance (its burst and 2x since the seek), and it does not open
    a burst of its own: a player that drops and resumes at every edge would otherwise never be paced, and a
    skipper would be charged a burst more each time Chromium resumes where it stopped."""
    track = "a" * 22
    me = Listener(state, tmp_path, ["b" * 22, track], listened_ms=0)
    assert me.get(track, 0, BLOCK - 1) == (206, BLOCK, [0.0])  # 10 s: the URL's burst
    # a seek to 100 s gets its block at once (10 + 10 + 2 x 0 = 20 s allowed)
    assert me.get(track, 10 * BLOCK, 11 * BLOCK - 1) == (206, BLOCK, [0.0])
    # the player drops and asks again exactly where the seek's burst ended: paced from the seek, (30 - 20) / 2
    assert me.get(track, 11 * BLOCK, 12 * BLOCK - 1) == (206, BLOCK, [5.0])
    assert me.charged(track) == 3 * BLOCK_MS
