"""Kept answers of reads on Redis (`encore.state._watch`): a process answers a read again from memory, and drops
it in the very request that follows a write under its prefix by any process (Redis reports the write to the
process's watch connection before it answers the writer). With the connection lost, every read goes to Redis."""

import asyncio
import os
import time
from collections.abc import Callable

import pytest
import redis

from encore.state import MemoryState, RedisState, Script
from encore.state._watch import WATCH_NAME, Watch
from tests.support.redis import RedisServer

# Answers the number stored under KEYS[1] (0 when absent); writes nothing.
_READ = Script(
    "test.read",
    "return {tonumber(redis.call('GET', KEYS[1]) or '0')}",
    lambda docs, args: (docs, [int((docs[0] or {}).get("n", 0))]),
)
PREFIX = "seen:"


def _calls(server: RedisServer, command: str) -> int:
    with redis.Redis(unix_socket_path=str(server.socket)) as probe:
        return int(probe.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


def _until(done: Callable[[], bool]) -> None:
    """Wait for the watch connection a thread is making (a condition, not a duration)."""
    deadline = time.monotonic() + 10
    while not done():
        assert time.monotonic() < deadline, "the watch connection never came up"
        time.sleep(0.01)


def _read(state: RedisState, key: str) -> int:
    async def go() -> int:
        try:
            return (await state.arun_kept(_READ, [key], [], ttl_s=[0.0], watch=PREFIX))[0]
        finally:
            await state.aclose()

    return asyncio.run(go())


def _write(state: RedisState, key: str, n: int) -> None:
    state.run(
        Script("test.write", "redis.call('SET', KEYS[1], ARGV[2]) return {1}", lambda d, a: (d, [1])),
        [key],
        [n],
        ttl_s=[0.0],
    )


def test_a_kept_answer_asks_redis_nothing(
    two_redis_states: tuple[RedisState, RedisState], redis_server: RedisServer
) -> None:
    a, _ = two_redis_states
    assert _read(a, PREFIX + "x") == 0
    _until(lambda: a.watching(PREFIX))
    assert _read(a, PREFIX + "x") == 0  # asked once the connection is up: kept from now on
    before = _calls(redis_server, "evalsha")
    assert [_read(a, PREFIX + "x") for _ in range(20)] == [0] * 20
    assert _calls(redis_server, "evalsha") == before


def test_another_process_write_is_seen_at_the_next_read(
    two_redis_states: tuple[RedisState, RedisState], redis_server: RedisServer
) -> None:
    """The next read after another process's write was answered finds the write, every time: no wait between."""
    a, b = two_redis_states
    _read(a, PREFIX + "x")
    _until(lambda: a.watching(PREFIX))
    for n in range(1, 101):
        assert _read(a, PREFIX + "x") == n - 1
        assert _read(a, PREFIX + "x") == n - 1  # kept
        _write(b, PREFIX + "x", n)
        assert _read(a, PREFIX + "x") == n
    assert a.watching(PREFIX)  # the answers above were kept and dropped, not asked with the connection down


def test_a_lost_connection_sends_every_read_to_redis(
    two_redis_states: tuple[RedisState, RedisState], redis_server: RedisServer
) -> None:
    a, b = two_redis_states
    _read(a, PREFIX + "x")
    _until(lambda: a.watching(PREFIX))
    _read(a, PREFIX + "x")
    with redis.Redis(unix_socket_path=str(redis_server.socket)) as admin:
        for client in admin.client_list():
            if client.get("name") == WATCH_NAME:
                admin.client_kill_filter(_id=client["id"])
    _write(b, PREFIX + "x", 7)  # reported to nobody
    assert _read(a, PREFIX + "x") == 7
    _write(b, PREFIX + "x", 8)
    assert _read(a, PREFIX + "x") == 8  # not kept while the connection is down
    _until(lambda: a.watching(PREFIX))  # made again
    _read(a, PREFIX + "x")
    _write(b, PREFIX + "x", 9)
    assert _read(a, PREFIX + "x") == 9


def test_a_read_that_raced_a_write_is_not_kept(redis_server: RedisServer) -> None:
    prefix = redis_server.new_prefix() + PREFIX
    watch = Watch(lambda: redis.Redis.from_url(redis_server.url, single_connection_client=True), prefix)
    try:
        _until(watch.up)
        mark = watch.mark()
        with redis.Redis(unix_socket_path=str(redis_server.socket)) as other:
            other.set(prefix + "x", "1")  # written while the read was on its way
        watch.keep("x", "the answer from before", mark)
        assert watch.get("x") is None
        watch.keep("x", "a later answer", watch.mark())
        assert watch.get("x") == "a later answer"
    finally:
        watch.close()


def test_a_key_outside_the_watched_prefix_is_refused(redis_state: RedisState) -> None:
    with pytest.raises(ValueError, match="not under the watched prefix"):
        _read(redis_state, "other:x")


def test_the_memory_state_keeps_answers_until_it_writes_under_the_prefix() -> None:
    state, steps = MemoryState(), []

    def step(docs: list[dict | None], args: object) -> tuple[list[dict | None], list[int]]:  # type: ignore[type-arg]
        steps.append(1)
        return docs, [int((docs[0] or {}).get("n", 0))]

    counted = Script("test.counted", "", step)

    def read() -> tuple[list[int], object]:
        async def go() -> tuple[list[int], object]:
            return (
                await state.arun_kept(counted, [PREFIX + "x"], [], ttl_s=[0.0], watch=PREFIX),
                await state.aget_kept(PREFIX + "x", watch=PREFIX),
            )

        return asyncio.run(go())

    state.update([PREFIX + "x"], lambda docs: ([{"n": 3}], None), ttl_s=[None])
    assert [read() for _ in range(5)] == [([3], {"n": 3})] * 5
    assert len(steps) == 1  # kept
    state.update(["other:y"], lambda docs: ([{"n": 1}], None), ttl_s=[None])  # outside the prefix
    assert read() == ([3], {"n": 3}) and len(steps) == 1
    state.update([PREFIX + "x"], lambda docs: ([{"n": 4}], None), ttl_s=[None])
    assert read() == ([4], {"n": 4})  # at once
    state.delete(PREFIX + "x")
    assert read() == ([0], None)
    with pytest.raises(ValueError, match="not under the watched prefix"):
        asyncio.run(state.arun_kept(counted, ["other:y"], [], ttl_s=[0.0], watch=PREFIX))


def test_a_forked_child_makes_its_own_connection(redis_server: RedisServer) -> None:
    """A child forked from a process with a watch connection must not read the parent's reports (it would take
    them from the parent): it starts without one, and the parent still sees every write."""
    prefix = redis_server.new_prefix() + PREFIX
    watch = Watch(lambda: redis.Redis.from_url(redis_server.url, single_connection_client=True), prefix)
    try:
        _until(watch.up)
        watch.keep("x", "kept", watch.mark())
        pid = os.fork()
        if pid == 0:  # the child: nothing kept, no connection of the parent's
            os._exit(0 if watch.get("x") is None and watch._link is None else 1)
        assert os.waitpid(pid, 0)[1] == 0
        assert watch.get("x") == "kept"
        with redis.Redis(unix_socket_path=str(redis_server.socket)) as other:
            other.set(prefix + "x", "1")
        assert watch.get("x") is None
    finally:
        watch.close()


def test_a_redis_that_refuses_client_tracking_answers_every_read_and_says_so_once(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """An ACL (or a managed Redis) may refuse CLIENT TRACKING: nothing is kept, every read asks Redis and is
    right, and the operator reads why once, not once a second."""
    user = f"notrack{os.getpid()}"
    with redis.Redis(unix_socket_path=str(redis_server.socket)) as admin:
        admin.execute_command("ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-client|tracking")
    try:
        url = f"unix://{user}:pw@{redis_server.socket}"
        a, b = (RedisState(url, prefix=(prefix := redis_server.new_prefix())), RedisState(url, prefix=prefix))
        for n in range(1, 7):  # over two of the watch's once-a-second retries
            _write(b, "seen:x", n)
            assert _read(a, "seen:x") == n
            time.sleep(0.4)
        assert not a.watching(PREFIX)
        refused = [r for r in caplog.records if "are not kept" in r.getMessage()]
        assert len(refused) == 1 and "tracking" in refused[0].getMessage().lower(), caplog.text
        a.close()
        b.close()
    finally:
        with redis.Redis(unix_socket_path=str(redis_server.socket)) as admin:
            admin.execute_command("ACL", "DELUSER", user)
