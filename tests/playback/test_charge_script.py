"""One block's charge is written twice (`playback._charge`: Lua for Redis, Python for the in-memory state): both
must answer every case alike and leave the same documents behind."""

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from encore.playback import VERIFY_MIN_MS, AdClockBook, ClockState, PlayNames
from encore.playback._charge import CHARGE, MORE, NO_PLAY, NO_SEEK, REFUSED, STOP, WAIT, charge_args
from encore.playback._clockdoc import clock_key, spans_key
from encore.playback._served import MAX_SPANS, PROBE_BYTES, Unit, add_span
from encore.playback._verifymove import ALREADY, DONE, MERGED, VERIFY, verify_args
from encore.state import MemoryState, RedisState, SharedState
from tests.support.redis import RedisServer

ME = "c" * 22
TRACKS = [f"{i}" * 22 for i in range(4)]
DURATION_MS = 200_000
NOW = datetime(2026, 12, 2, 12, 0, 0, 123_457, tzinfo=UTC)  # µs timestamps of 16 digits, odd microseconds
SIZES = {"vorbis160": 4_000_003, "opus96": 2_400_017}
NOW_US = 1_796_212_800_123_457


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[RedisState]:
    s = RedisState(redis_server.url, prefix=redis_server.new_prefix())
    yield s
    s.close()


def _issue(book: AdClockBook, i: int, at: datetime, listened_ms: int) -> None:
    book.move(
        None,  # type: ignore[arg-type]  # `loaded` is given: no database is read
        1,
        lambda st: (st.charged(track_id=i, duration_ms=DURATION_MS, now=at), None),
        loaded=ClockState(listened_ms=listened_ms),
        names=PlayNames(ME, TRACKS[i], i),
    )


def _books(redis: RedisState) -> list[tuple[SharedState, AdClockBook]]:
    states: list[SharedState] = [MemoryState(), redis]
    books = [(s, AdClockBook(s)) for s in states]
    for _, book in books:
        for i in range(len(TRACKS)):
            _issue(book, i, NOW + timedelta(seconds=i), listened_ms=0)
    return books


def _stored(state: SharedState, track: str) -> tuple[Any, Any, list[str]]:
    clock = state.get(clock_key(1))
    assert clock is not None
    return clock, state.get(spans_key(1, track)), list(clock["p"])  # the plays' order is part of the document


def _charge(
    state: SharedState,
    track: str,
    rendition: str,
    size: int,
    span: tuple[int, int],
    limit: int,
    gate: bool,
    now_us: int = NOW_US,
    pace: tuple[int, float] | None = None,
    unit: Unit = "bytes",
) -> list[int]:
    args = charge_args(track, rendition, size, span[0], span[1], limit, gate=gate, now_us=now_us, pace=pace, unit=unit)
    return state.run(CHARGE, [clock_key(1), spans_key(1, track)], args, ttl_s=[3600.0, 3600.0])


def test_lua_and_python_charge_alike_on_random_blocks(redis: RedisState) -> None:
    """Random blocks over four plays, two renditions, a replaced file, scattered ranges past MAX_SPANS, a
    re-issued track, an interval crossed, seeks and the pacing's waits: every reply and stored document agree."""
    rng = random.Random(14)
    books = _books(redis)
    seen = {REFUSED: 0, MORE: 0, STOP: 0, NO_PLAY: 0, WAIT: 0}
    seeks: set[tuple[int, int]] = set()
    stamped: list[tuple[tuple[int, int], Unit, tuple[int, float] | None]] = []  # blocks told to wait
    sizes = dict(SIZES)
    for n in range(400):
        track = rng.choice([*TRACKS, "x" * 22])  # and a track with no open play
        rendition = rng.choice(list(sizes))
        size = sizes[rendition]
        if rng.random() < 0.6:  # a small scattered range: the span list fills up and closes gaps
            start = rng.randrange(0, size)
            span = (start, start + rng.randrange(1, 512))
        else:
            start = rng.randrange(-10, size)
            span = (start, start + rng.randrange(0, 400_000))
        limit = rng.choice([10**9, 60_000, 1])
        gate = rng.random() < 0.5
        if rng.random() < 0.15:  # the file's tail, where a player reads its length (never a seek)
            start = size - rng.randrange(1, PROBE_BYTES)
            span = (start, start + 65_536)
        now_us = NOW_US + n * 70_001  # 28 s over the run
        pace = rng.choice([None, (10_000, 2.0), (1_000, 0.3), (3_000, 7.25)])  # paced: charged once allowed
        unit: Unit = rng.choice(["bytes", "ms"])  # a transcode's ms: no file tail
        if rng.random() < 0.2 and stamped:  # a held seek asked again (its retry), later
            span, unit, pace = stamped[-1]
        args = (track, rendition, size, span, limit, gate, now_us, pace, unit)
        replies = [_charge(state, *args) for state, _ in books]
        if replies[0][0] == WAIT:
            stamped.append((span, unit, pace))
        assert replies[0] == replies[1], (n, track, span)
        seen[replies[0][0]] += 1
        if replies[0][0] in {MORE, STOP} and replies[0][6] != NO_SEEK:
            seeks.add((replies[0][5], replies[0][6]))
        if track in TRACKS:
            assert _stored(books[0][0], track) == _stored(books[1][0], track), n
        if n == 150:  # the file of one rendition is replaced: its spans start over
            sizes["opus96"] += 7
        if n == 250:  # a track is issued again: its new play starts over
            for _, book in books:
                _issue(book, 1, NOW + timedelta(seconds=30), listened_ms=0)
    assert all(seen.values()), seen  # every answer was met
    assert len(seeks) > 10, seeks  # seeks were met and dated, in both forms alike
    kept = [state.get(spans_key(1, t)) for state, _ in books for t in TRACKS]
    assert any(doc is not None and len(doc.get("k", [])) == 3 for doc in kept)  # seeks kept with their start
    clock, _, _ = _stored(books[1][0], TRACKS[0])
    assert max(len(v[1]) for v in (books[1][0].get(spans_key(1, TRACKS[0])) or {})["r"].values()) <= MAX_SPANS
    assert all(isinstance(x, int) for x in clock["s"] if x is not None)  # µs stay exact integers


def test_a_refused_block_and_a_forgotten_play_write_nothing_in_either(redis: RedisState) -> None:
    for state, _ in _books(redis):
        before = _stored(state, TRACKS[0])
        assert _charge(state, TRACKS[0], "vorbis160", SIZES["vorbis160"], (0, 65536), 0, True) == [REFUSED]
        assert _charge(state, "x" * 22, "vorbis160", SIZES["vorbis160"], (0, 65536), 0, False) == [NO_PLAY]
        assert _stored(state, TRACKS[0]) == before


def test_lua_and_python_verify_alike_on_random_responses(redis: RedisState) -> None:
    """Random responses of three listeners' plays (scattered spans past MAX_SPANS, a replaced file, plays
    expiring into new ones, a play reaching 30 s and taking nothing after): the same replies and documents."""
    rng = random.Random(19)
    states: list[SharedState] = [MemoryState(), redis]
    first = 1_796_000_000_123_457  # µs, 16 digits
    seen = {ALREADY: 0, MERGED: 0, DONE: 0}
    for n in range(300):
        key = f"verify:{rng.choice('abc') * 22}:{'t' * 22}"
        rendition = rng.choice(["vorbis160", "opus96"])
        size = SIZES[rendition] + (7 if n > 150 and rendition == "opus96" else 0)
        spans: list[tuple[int, int]] = []
        for _ in range(rng.randrange(1, 80)):
            start = rng.randrange(0, size)
            spans = list(add_span(tuple(spans), start, min(size, start + rng.randrange(1, 40_000)), floor=True))
        first += rng.choice([0, 1, 1_000_000, 250_000_000])  # within the play, or a new one
        args = verify_args(first, DURATION_MS * 1000, rendition, size, DURATION_MS, VERIFY_MIN_MS, tuple(spans))
        replies = [s.run(VERIFY, [key], args, ttl_s=[3600.0]) for s in states]
        assert replies[0] == replies[1], n
        assert states[0].get(key) == states[1].get(key), n
        seen[replies[0][0]] += 1
    assert all(seen.values()), seen
