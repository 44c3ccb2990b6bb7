"""Redis's connection pools are bounded: many moves at once share a few connections and wait their turn, and
a pool that stays full past its wait fails plainly (StateBusy), never at once for being the 101st move."""

import asyncio
import threading
import time

import pytest
import redis

from encore.state import RedisState, Script, StateBusy, StateUnavailable
from tests.support.redis import RedisServer

# Holds Redis (and the caller's connection) for ARGV[2] microseconds: a slow answer, on the real server.
_SLOW = Script(
    "test.slow",
    """
local t = redis.call('TIME')
local start = tonumber(t[1]) * 1000000 + tonumber(t[2])
repeat
  local n = redis.call('TIME')
until tonumber(n[1]) * 1000000 + tonumber(n[2]) - start >= tonumber(ARGV[2])
return {1}
""",
    lambda docs, _args: (docs, [1]),
)


def _clients(server: RedisServer) -> int:
    with redis.Redis(unix_socket_path=str(server.socket)) as probe:
        return int(probe.info("clients")["connected_clients"])


async def _apart(ticks: int, state: RedisState, slow_us: int) -> list[int]:
    """A slow move asked for `ticks` event-loop ticks from now: one tick's runs would go as one call (`_group`),
    so each move here is asked in a tick of its own, while the earlier ones still hold their connections."""
    for _ in range(ticks):
        await asyncio.sleep(0)
    return await state.arun(_SLOW, ["k"], [slow_us], ttl_s=[60.0])


def test_many_async_moves_at_once_open_at_most_the_bound(redis_server: RedisServer) -> None:
    s = RedisState(redis_server.url, prefix=redis_server.new_prefix(), loop_connections=4)
    before = _clients(redis_server)

    async def go() -> list[list[int]]:
        try:
            return await asyncio.gather(*(_apart(i, s, 2000) for i in range(60)))
        finally:
            opened = _clients(redis_server) - before  # pooled connections stay open until aclose
            await s.aclose()
            assert 1 <= opened <= 4, opened  # unbounded, 60 moves at once opened 60 connections

    assert asyncio.run(go()) == [[1]] * 60
    s.close()


def test_more_moves_at_once_than_redis_py_allows_all_succeed(redis_server: RedisServer) -> None:
    """200 listeners at once (the stream bench): redis-py's default pool failed every move past its 100th with
    'Too many connections'; with the bound they wait their turn and all succeed."""
    s = RedisState(redis_server.url, prefix=redis_server.new_prefix())

    async def go() -> list[list[int]]:
        try:
            return await asyncio.gather(*(_apart(i, s, 1000) for i in range(200)))
        finally:
            await s.aclose()

    assert asyncio.run(go()) == [[1]] * 200
    s.close()


def test_many_threads_at_once_open_at_most_the_bound(redis_server: RedisServer) -> None:
    s = RedisState(redis_server.url, prefix=redis_server.new_prefix(), thread_connections=3)
    before = _clients(redis_server)
    start = threading.Barrier(12)
    replies: list[list[int]] = []

    def move() -> None:
        start.wait()
        replies.extend(s.run(_SLOW, ["k"], [5000], ttl_s=[60.0]) for _ in range(4))

    threads = [threading.Thread(target=move) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    opened = _clients(redis_server) - before
    s.close()
    assert replies == [[1]] * 48
    assert 1 <= opened <= 3, opened  # unbounded, 12 threads opened up to 12


def test_an_async_move_waiting_past_the_wait_is_busy(redis_server: RedisServer) -> None:
    s = RedisState(redis_server.url, prefix=redis_server.new_prefix(), loop_connections=1, wait_s=0.2)

    async def go() -> tuple[float, list[int]]:
        try:
            slow = asyncio.create_task(s.arun(_SLOW, ["k"], [800_000], ttl_s=[60.0]))  # holds the one connection
            await asyncio.sleep(0.05)
            t0 = time.monotonic()
            with pytest.raises(StateBusy, match=r"busy for 0\.2 s"):
                await s.aget("other")
            waited = time.monotonic() - t0
            assert await slow == [1]
            return waited, await s.arun(_SLOW, ["k"], [0], ttl_s=[60.0])  # the pool serves again once free
        finally:
            await s.aclose()

    waited, again = asyncio.run(go())
    assert 0.15 <= waited < 0.7  # failed at the wait, not after the slow move (unbounded: it just succeeded)
    assert again == [1]
    s.close()


def test_a_thread_waiting_past_the_wait_is_busy(redis_server: RedisServer) -> None:
    s = RedisState(redis_server.url, prefix=redis_server.new_prefix(), thread_connections=1, wait_s=0.2)
    slow = threading.Thread(target=lambda: s.run(_SLOW, ["k"], [800_000], ttl_s=[60.0]))
    slow.start()
    time.sleep(0.05)
    t0 = time.monotonic()
    with pytest.raises(StateBusy, match=r"busy for 0\.2 s"):
        s.incr("n", ttl_s=60)
    waited = time.monotonic() - t0
    slow.join()
    assert 0.15 <= waited < 0.7
    assert s.incr("n", ttl_s=60) == 1  # the refused increment moved nothing
    s.close()


def test_redis_down_is_unavailable_not_busy(tmp_path: object) -> None:
    s = RedisState(f"unix://{tmp_path}/absent.sock", prefix="x:", wait_s=0.2)
    with pytest.raises(StateUnavailable) as raised:
        s.get("k")
    assert not isinstance(raised.value, StateBusy)
    s.close()


@pytest.mark.parametrize("bad", [{"loop_connections": 0}, {"thread_connections": 0}, {"wait_s": 0}])
def test_a_pool_needs_a_connection_and_a_wait(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="at least one connection"):
        RedisState("redis://127.0.0.1:1/0", **bad)  # type: ignore[arg-type]
