"""Blocks charged at once by concurrent requests of one worker go to Redis as one call (`encore.state._group`):
every block's reply and the documents left behind are those of the in-memory state charging the same blocks
one after another, in the order asked: interleaved plays of one listener, one play twice in a group, an ad
falling due inside a group, verified-stream merges, a Redis restart between groups."""

import asyncio
import random
from typing import Any

import pytest
import redis

from encore.playback import VERIFY_MIN_MS
from encore.playback._charge import CHARGE, MORE, REFUSED, STOP, WAIT, charge_args
from encore.playback._clockdoc import clock_key, spans_key
from encore.playback._served import add_span
from encore.playback._verifymove import DONE, VERIFY, verify_args
from encore.state import MemoryState, RedisState, SharedState
from tests.playback.test_charge_script import DURATION_MS, NOW_US, SIZES, TRACKS, _books, _stored
from tests.support.redis import RedisServer

NO_PLAY_TRACK = "x" * 22
Block = tuple[str, str, tuple[int, int], int, bool, int, tuple[int, float] | None]  # track, rendition, span, ...


def _args(block: Block) -> list[str | int]:
    track, rendition, (start, end), limit, gate, now_us, pace = block
    return charge_args(track, rendition, SIZES[rendition], start, end, limit, gate=gate, now_us=now_us, pace=pace)


def _keys(track: str) -> list[str]:
    return [clock_key(1), spans_key(1, track)]


def _one_after_another(state: SharedState, blocks: list[Block]) -> list[list[int]]:
    return [state.run(CHARGE, _keys(b[0]), _args(b), ttl_s=[3600.0, 3600.0]) for b in blocks]


async def _at_once(state: SharedState, blocks: list[Block]) -> list[list[int]]:
    """Every block asked for in one tick, as concurrent requests of one worker ask."""
    return list(await asyncio.gather(*(state.arun(CHARGE, _keys(b[0]), _args(b), ttl_s=[3600.0] * 2) for b in blocks)))


def _evalsha_calls(server: RedisServer) -> int:
    with redis.Redis(unix_socket_path=str(server.socket)) as probe:
        return int(probe.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def _random_group(rng: random.Random, n: int, round_: int) -> list[Block]:
    blocks: list[Block] = []
    for i in range(rng.randrange(2, 14)):
        track = rng.choice([*TRACKS, TRACKS[-1], NO_PLAY_TRACK])  # the playing track more often; and no play
        rendition = rng.choice(list(SIZES))
        if blocks and rng.random() < 0.25:  # the same play's next block in the same group
            track, rendition = blocks[-1][0], blocks[-1][1]
            start = blocks[-1][2][1]
        else:
            start = rng.randrange(0, SIZES[rendition])
        span = (start, start + rng.choice([65_536, 65_536, 300, 400_000]))
        limit = rng.choice([10**9, 120_000, 60_000])  # an ad falls due when the clock passes it
        pace = rng.choice([None, None, (10_000, 2.0), (3_000, 7.25)])
        blocks.append((track, rendition, span, limit, rng.random() < 0.5, NOW_US + (n + i) * 50_003 + round_, pace))
    return blocks


def test_grouped_charges_answer_and_store_as_charges_one_after_another(
    redis_state: RedisState, redis_server: RedisServer
) -> None:
    rng = random.Random(1214)
    (memory, _), (red, _) = _books(redis_state)
    seen: dict[int, int] = {}
    groups = calls = 0

    async def go() -> None:
        nonlocal groups, calls
        n = 0
        for round_ in range(60):
            blocks = _random_group(rng, n, round_)
            n += len(blocks)
            before = _evalsha_calls(redis_server)
            got = await _at_once(red, blocks)
            calls += _evalsha_calls(redis_server) - before
            groups += 1
            assert got == _one_after_another(memory, blocks), round_
            for reply in got:
                seen[reply[0]] = seen.get(reply[0], 0) + 1
            for track in TRACKS:
                assert _stored(red, track) == _stored(memory, track), (round_, track)
        await red.aclose()

    asyncio.run(go())
    assert {MORE, STOP, REFUSED, WAIT} <= set(seen), seen  # an ad fell due and paced blocks waited, in groups
    assert calls <= groups + 2, (calls, groups)  # one call per group (and the group script's first load)


def test_an_ad_falling_due_inside_a_group_stops_the_blocks_after_it(redis_state: RedisState) -> None:
    """The listener is 5 s short of the interval: the group's first block of the playing track crosses it, so
    a kept URL's block (an old play) asked after it in the same group is refused and charged nothing, while
    the one asked before it was charged; the two plays still playing may send on."""
    (memory, _), (red, _) = _books(redis_state)
    old, playing = TRACKS[0], TRACKS[-1]
    limit = 5_000 + _stored(memory, old)[0]["s"][0]
    blocks: list[Block] = [
        (old, "vorbis160", (0, 2_000), limit, True, NOW_US, None),
        (playing, "vorbis160", (0, 400_000), limit, True, NOW_US, None),
        (old, "vorbis160", (2_000, 4_000), limit, True, NOW_US, None),
        (playing, "vorbis160", (400_000, 465_536), limit, True, NOW_US, None),
        (TRACKS[-2], "vorbis160", (0, 1_000), limit, True, NOW_US, None),
    ]

    async def go() -> list[list[int]]:
        try:
            return await _at_once(red, blocks)
        finally:
            await red.aclose()

    got = asyncio.run(go())
    assert got == _one_after_another(memory, blocks)
    assert [r[0] for r in got] == [MORE, MORE, REFUSED, MORE, MORE]
    for track in TRACKS:
        assert _stored(red, track) == _stored(memory, track)


def _verify_group(rng: random.Random, first: int) -> list[tuple[str, list[str | int]]]:
    out: list[tuple[str, list[str | int]]] = []
    for _ in range(rng.randrange(2, 10)):
        key = f"verify:{rng.choice('ab') * 22}:{rng.choice('tu') * 22}"  # two plays of one listener, and two listeners
        rendition = rng.choice(list(SIZES))
        spans: tuple[tuple[int, int], ...] = ()
        for _ in range(rng.randrange(1, 6)):
            start = rng.randrange(0, SIZES[rendition])
            spans = add_span(spans, start, min(SIZES[rendition], start + rng.randrange(1, 300_000)), floor=True)
        at = first + rng.choice([0, 1_000_000, 250_000_000])
        args = verify_args(at, DURATION_MS * 1000, rendition, SIZES[rendition], DURATION_MS, VERIFY_MIN_MS, spans)
        out.append((key, args))
    return out


def test_grouped_verify_merges_answer_and_store_as_merges_one_after_another(redis_state: RedisState) -> None:
    """A play reaches 30 s inside a group exactly once: the merges after it in the group find it done."""
    rng = random.Random(30)
    memory: SharedState = MemoryState()
    dones = 0

    async def go() -> None:
        nonlocal dones
        first = 1_796_000_000_123_457
        for round_ in range(40):
            first += rng.choice([0, 300_000_000])  # every play starts over now and then
            moves = _verify_group(rng, first)
            got = await asyncio.gather(*(redis_state.arun(VERIFY, [k], a, ttl_s=[3600.0]) for k, a in moves))
            assert list(got) == [memory.run(VERIFY, [k], a, ttl_s=[3600.0]) for k, a in moves], round_
            for key in {k for k, _ in moves}:
                assert redis_state.get(key) == memory.get(key), (round_, key)
            dones += sum(1 for reply in got if reply[0] == DONE)
        await redis_state.aclose()

    asyncio.run(go())
    assert dones > 3, dones


@pytest.mark.xdist_group("redis_restart")
def test_charges_grouped_across_a_redis_restart_lose_no_charge(
    redis_state: RedisState, redis_server: RedisServer
) -> None:
    """The group's script is gone after a restart and loads again; the clock written before it is kept (an owed
    ad survives), and the groups after it answer as one after another."""
    rng = random.Random(5)
    (memory, _), (red, _) = _books(redis_state)

    async def go() -> list[Any]:
        out = []
        for round_ in range(4):
            blocks = _random_group(rng, round_ * 20, round_)
            out.append((await _at_once(red, blocks), _one_after_another(memory, blocks)))
            if round_ == 1:
                redis_server.restart()
        await red.aclose()
        return out

    for got, expected in asyncio.run(go()):
        assert got == expected
    for track in TRACKS:
        assert _stored(red, track) == _stored(memory, track)
