"""The shared-state port: both implementations answer every call alike (the same tests run on each)."""

import asyncio
import threading
import time

import pytest

from encore.state import Doc, MemoryState, RedisState, Script, SharedState, StateUnavailable, gcra, open_state
from tests.support.redis import RedisServer


def _add(n: int):  # type: ignore[no-untyped-def]
    def change(docs: list[Doc | None]) -> tuple[list[Doc | None], int]:
        value = (docs[0] or {"n": 0})["n"] + n
        return [{"n": value}], value

    return change


def test_update_creates_changes_and_deletes(state: SharedState) -> None:
    assert state.get("a") is None
    assert state.update(["a"], _add(2), ttl_s=[None]) == 2
    assert state.update(["a"], _add(3), ttl_s=[None]) == 5
    assert state.get("a") == {"n": 5}
    state.update(["a"], lambda docs: ([None], None), ttl_s=[None])
    assert state.get("a") is None


def test_update_of_two_keys_is_one_step(state: SharedState) -> None:
    def move(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
        src, dst = docs[0] or {"n": 10}, docs[1] or {"n": 0}
        return [{"n": src["n"] - 1}, {"n": dst["n"] + 1}], None

    threads = [
        threading.Thread(target=lambda: [state.update(["src", "dst"], move, ttl_s=[None, None]) for _ in range(25)])
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    src, dst = state.get("src"), state.get("dst")
    assert src is not None and dst is not None
    assert (src["n"], dst["n"]) == (10 - 100, 100)  # no move lost or doubled under contention


def test_change_gets_a_copy(state: SharedState) -> None:
    state.update(["c"], lambda d: ([{"items": [1]}], None), ttl_s=[None])

    def sneaky(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
        assert docs[0] is not None
        docs[0]["items"].append(2)  # mutating the input without returning it changes nothing stored
        return [{"items": [1]}], None

    state.update(["c"], sneaky, ttl_s=[None])
    assert state.get("c") == {"items": [1]}


def test_documents_expire(state: SharedState) -> None:
    state.update(["short"], _add(1), ttl_s=[0.2])
    state.update(["long"], _add(1), ttl_s=[60])
    time.sleep(0.35)
    assert state.get("short") is None
    assert state.get("long") == {"n": 1}


def test_async_updates_from_many_tasks(state: SharedState) -> None:
    async def run() -> Doc | None:
        await asyncio.gather(*(state.aupdate(["x"], _add(1), ttl_s=[None]) for _ in range(30)))
        try:
            return await state.aget("x")
        finally:
            await state.aclose()

    assert asyncio.run(run()) == {"n": 30}


def test_counter_counts_and_lapses(state: SharedState) -> None:
    assert state.count("k") == 0
    assert [state.incr("k", ttl_s=0.3) for _ in range(3)] == [1, 2, 3]
    assert state.incr("k", by=5, ttl_s=0.3) == 8
    time.sleep(0.45)
    assert state.count("k") == 0


def test_rate_window_allows_exactly_its_limit_under_a_race(state: SharedState) -> None:
    """24 simultaneous hits on a limit of 5: exactly 5 get through (a check-then-insert would let more)."""
    results: list[bool] = []
    barrier = threading.Barrier(24)

    def one() -> None:
        barrier.wait()
        results.append(state.hit("login:bob", limit=5, window_s=60).allowed)

    threads = [threading.Thread(target=one) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 5
    refused = state.hit("login:bob", limit=5, window_s=60)
    assert not refused.allowed and refused.remaining == 0
    assert 10 <= refused.retry_after_s <= 12.5  # one of five slots refills every 12 s


def test_rate_window_refills(state: SharedState) -> None:
    assert all(state.hit("r", limit=2, window_s=0.4).allowed for _ in range(2))
    assert not state.hit("r", limit=2, window_s=0.4).allowed
    time.sleep(0.25)
    assert state.hit("r", limit=2, window_s=0.4).allowed  # one slot back after window / limit


def test_semaphore_bounds_holders_and_leases_lapse(state: SharedState) -> None:
    a = state.acquire("slots", limit=2, lease_s=60)
    b = state.acquire("slots", limit=2, lease_s=60)
    assert a is not None and b is not None
    assert state.acquire("slots", limit=2, lease_s=60) is None
    state.release(a)
    assert state.acquire("slots", limit=2, lease_s=60) is not None
    short = state.acquire("short", limit=1, lease_s=0.2)
    assert short is not None and state.acquire("short", limit=1, lease_s=0.2) is None
    time.sleep(0.3)
    assert state.acquire("short", limit=1, lease_s=0.2) is not None  # a dead holder's slot comes back


def test_a_renewed_lease_is_kept_and_a_lapsed_one_is_not(state: SharedState) -> None:
    kept = state.acquire("renewed", limit=1, lease_s=0.3)
    assert kept is not None
    for _ in range(3):
        time.sleep(0.15)
        assert state.renew(kept, lease_s=0.3)
    assert state.acquire("renewed", limit=1, lease_s=0.3) is None  # still held after 0.45 s of a 0.3 s lease
    time.sleep(0.4)
    assert not state.renew(kept, lease_s=0.3)
    assert state.acquire("renewed", limit=1, lease_s=0.3) is not None


def test_queue_keeps_order(state: SharedState) -> None:
    async def push_c() -> None:
        await state.apush("q", ["c"])
        await state.aclose()

    state.push("q", ["a", "b"])
    asyncio.run(push_c())
    assert state.take("q", limit=2) == ["a", "b"]
    assert state.take("q", limit=10) == ["c"]
    assert state.take("q", limit=10) == []


def test_versions(state: SharedState) -> None:
    assert state.version("catalogue") == 0
    assert state.bump("catalogue") == 1
    assert state.bump("catalogue") == 2
    assert state.version("catalogue") == 2


def test_delete_removes_every_kind(state: SharedState) -> None:
    state.update(["d"], _add(1), ttl_s=[None])
    state.incr("i", ttl_s=60)
    state.delete("d", "i")
    assert state.get("d") is None and state.count("i") == 0


def test_gcra_is_exact() -> None:
    tat = None
    allowed = 0
    for _ in range(10):
        new, hit = gcra(now=100.0, tat=tat, limit=4, window_s=8.0, cost=1)
        if new is not None:
            tat, allowed = new, allowed + 1
    assert allowed == 4
    _, hit = gcra(now=100.0, tat=tat, limit=4, window_s=8.0, cost=1)
    assert not hit.allowed and hit.retry_after_s == pytest.approx(2.0)
    new, hit = gcra(now=102.0, tat=tat, limit=4, window_s=8.0, cost=1)
    assert hit.allowed and new is not None


def test_open_state_picks_by_url(redis_server: RedisServer) -> None:
    assert isinstance(open_state(None), MemoryState)
    s = open_state(redis_server.url, prefix=redis_server.new_prefix())
    assert isinstance(s, RedisState) and s.ping()
    s.close()


@pytest.mark.xdist_group("redis_restart")
def test_redis_restart_keeps_state_and_outage_is_reported(redis_server: RedisServer) -> None:
    s = RedisState(redis_server.url, prefix=redis_server.new_prefix())
    s.update(["owed"], lambda d: ([{"ad_due": True}], None), ttl_s=[None])
    redis_server.stop()
    try:
        assert not s.ping()
        with pytest.raises(StateUnavailable):
            s.get("owed")
    finally:
        redis_server.start()
    assert s.get("owed") == {"ad_due": True}  # append-only file, fsync always: nothing written is lost
    s.close()


# A capability's script, written twice: add ARGV's number to doc "n", answer the new value and whether it wrote.
_ADD = Script(
    "test.add",
    """
local raw = redis.call('GET', KEYS[1])
local n = 0
if raw then n = cjson.decode(raw).n end
local by = tonumber(ARGV[2])
if by == 0 then return {n, 0} end
if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[1], cjson.encode({n = n + by}), 'PX', ARGV[1])
else redis.call('SET', KEYS[1], cjson.encode({n = n + by})) end
return {n + by, 1}
""",
    lambda docs, args: (
        ([{"n": (docs[0] or {"n": 0})["n"] + int(args[0])}], [(docs[0] or {"n": 0})["n"] + int(args[0]), 1])
        if int(args[0])
        else (docs, [(docs[0] or {"n": 0})["n"], 0])
    ),
)


def test_a_script_moves_a_document_alike_in_both(state: SharedState) -> None:
    assert state.run(_ADD, ["s"], [2], ttl_s=[60.0]) == [2, 1]
    assert state.run(_ADD, ["s"], [0], ttl_s=[60.0]) == [2, 0]

    async def go() -> list[int]:
        got = await state.arun(_ADD, ["s"], [3], ttl_s=[60.0])
        await state.aclose()
        return got

    assert asyncio.run(go()) == [5, 1]
    assert state.get("s") == {"n": 5}
    assert state.update(["s"], _add(1), ttl_s=[None]) == 6  # a compare-and-set after a script sees its write
    with pytest.raises(ValueError, match="one ttl per key"):
        state.run(_ADD, ["s"], [1], ttl_s=[])


def test_a_finished_loops_redis_connections_are_closed_not_left_to_the_collector(
    redis_server: RedisServer,
) -> None:
    """A loop per call (asyncio.run in a tool, a TestClient per request) made an asyncio client per loop and
    dropped the last one unclosed; the collector then warned about its sockets in whatever test ran next (the
    first full run of session 16 failed that way). The next loop's first call closes them."""
    import gc

    state = RedisState(redis_server.url, prefix=redis_server.new_prefix())
    for _ in range(3):
        asyncio.run(state.aget("k"))
    state.close()  # the last loop's client too
    gc.collect()  # with filterwarnings=error, an unclosed socket, transport or writer fails this test
