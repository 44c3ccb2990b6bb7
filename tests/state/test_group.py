"""Runs of one script asked for in one event-loop tick go to Redis as one call (`encore.state._group`): each is
applied in the order asked and answered its own reply, exactly as calls one after another (the in-memory
state's), and a failure reaches the runs it concerns."""

import asyncio

import pytest
import redis

from encore.state import MemoryState, RedisState, Script, SharedState, StateUnavailable
from encore.state._group import MAX_GROUP
from tests.support.redis import RedisServer

# Appends ARGV's text to the document of KEYS[1] and answers its new length and the position of the text in
# it; a text 'boom' raises inside the script, after it appended (the script's own write stays, as a single
# call's would). Written twice, as a capability's script is.
_LOG = Script(
    "test.log",
    """
local raw = redis.call('GET', KEYS[1])
local log = ''
if raw then log = cjson.decode(raw).log end
log = log .. ARGV[2] .. ';'
if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[1], cjson.encode({log = log}), 'PX', ARGV[1])
else redis.call('SET', KEYS[1], cjson.encode({log = log})) end
if ARGV[2] == 'boom' then error('the script failed') end
return {#log, (string.find(log, ARGV[2] .. ';', 1, true))}
""",
    lambda docs, args: _log_step(docs, str(args[0])),
)


def _log_step(docs: list[dict | None], text: str) -> tuple[list[dict | None], list[int]]:  # type: ignore[type-arg]
    log = (docs[0] or {"log": ""})["log"] + text + ";"
    return [{"log": log}], [len(log), log.index(text + ";") + 1]


def _evalsha_calls(server: RedisServer) -> int:
    with redis.Redis(unix_socket_path=str(server.socket)) as probe:
        return int(probe.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


async def _together(state: SharedState, runs: list[tuple[str, str]]) -> list[list[int] | BaseException]:
    """Every run asked for in one tick (as concurrent requests ask); their replies in the order asked."""
    asked = [state.arun(_LOG, [key], [text], ttl_s=[60.0]) for key, text in runs]
    try:
        return list(await asyncio.gather(*asked, return_exceptions=True))
    finally:
        await state.aclose()


def _runs(n: int) -> list[tuple[str, str]]:
    """Runs over three documents, interleaved: what each answers depends on every earlier run of its key."""
    return [(f"log{i % 3}", f"r{i}") for i in range(n)]


def test_runs_of_one_tick_are_one_call_and_answer_as_calls_one_after_another(
    redis_state: RedisState, redis_server: RedisServer
) -> None:
    memory = MemoryState()
    runs = _runs(40)
    asyncio.run(_together(redis_state, runs[:2]))  # the group's script is loaded
    asyncio.run(_together(memory, runs[:2]))
    calls = _evalsha_calls(redis_server)
    got = asyncio.run(_together(redis_state, runs[2:]))
    assert _evalsha_calls(redis_server) - calls == 1  # 38 runs, one call
    assert got == asyncio.run(_together(memory, runs[2:]))  # the same replies, run by run
    for key in ("log0", "log1", "log2"):
        assert redis_state.get(key) == memory.get(key)
    assert redis_state.get("log0") == {"log": "".join(f"r{i};" for i in range(0, 40, 3))}  # in the order asked


def test_more_runs_than_a_group_holds_are_sent_in_order(redis_state: RedisState, redis_server: RedisServer) -> None:
    runs = [("one", f"r{i}") for i in range(MAX_GROUP * 2 + 6)]
    asyncio.run(_together(redis_state, runs[:2]))
    calls = _evalsha_calls(redis_server)
    got = asyncio.run(_together(redis_state, runs[2:]))
    assert _evalsha_calls(redis_server) - calls == 3
    assert got == _lengths(runs)[2:]
    assert redis_state.get("one") == {"log": "".join(f"{t};" for _, t in runs)}


def _lengths(runs: list[tuple[str, str]]) -> list[list[int]]:
    memory = MemoryState()
    return [memory.run(_LOG, [key], [text], ttl_s=[60.0]) for key, text in runs]


def test_a_run_that_fails_fails_alone(redis_state: RedisState) -> None:
    runs = [("a", "r0"), ("a", "boom"), ("b", "r2"), ("a", "r3")]
    got = asyncio.run(_together(redis_state, runs))
    assert isinstance(got[1], StateUnavailable)
    assert "the script failed" in str(got[1])
    assert got[0] == [3, 1]
    assert got[2] == [3, 1]
    assert got[3] == [11, 9]  # after the failed run's own write, as a call after a failed call would find it
    assert redis_state.get("a") == {"log": "r0;boom;r3;"}


def test_a_caller_cancelled_before_the_call_is_not_applied_nor_stops_the_others(redis_state: RedisState) -> None:
    """A run whose caller is gone before its group is sent is dropped, as a single call never sent would be:
    a cancelled byte path never sends its block (so charging it would charge more than was sent), and a
    cancelled verification's DONE would be applied with nobody to record it, the play never verified again."""

    async def go() -> list[int]:
        first = asyncio.ensure_future(redis_state.arun(_LOG, ["c"], ["gone"], ttl_s=[60.0]))
        second = asyncio.ensure_future(redis_state.arun(_LOG, ["c"], ["kept"], ttl_s=[60.0]))
        await asyncio.sleep(0)  # both asked in this tick
        first.cancel()
        try:
            return await second
        finally:
            await redis_state.aclose()

    assert asyncio.run(go()) == [5, 1]
    assert redis_state.get("c") == {"log": "kept;"}


def test_redis_down_fails_every_run_of_the_group(tmp_path: object) -> None:
    down = RedisState(f"unix://{tmp_path}/none.sock", wait_s=0.5)
    got = asyncio.run(_together(down, _runs(5)))
    assert all(isinstance(g, StateUnavailable) for g in got), got


@pytest.mark.xdist_group("redis_restart")
def test_a_group_after_a_redis_restart_loads_its_script_again(
    redis_state: RedisState, redis_server: RedisServer
) -> None:
    async def go() -> list[list[int] | BaseException]:
        asked = [redis_state.arun(_LOG, [key], [text], ttl_s=[60.0]) for key, text in _runs(6)]
        assert (await asyncio.gather(*asked))[-1] == [6, 4]
        redis_server.restart()  # the script cache is gone; the documents stay (append-only file)
        asked = [redis_state.arun(_LOG, [key], [text], ttl_s=[60.0]) for key, text in _runs(12)[6:]]
        try:
            return list(await asyncio.gather(*asked, return_exceptions=True))
        finally:
            await redis_state.aclose()

    assert asyncio.run(go()) == _lengths(_runs(12))[6:]
    assert redis_state.get("log1") == {"log": "r1;r4;r7;r10;"}


def _byte_replies(texts: list[str]) -> list[list[int]]:
    """`_LOG`'s replies for these texts appended one after another, in bytes (as Lua counts: `#`, `find`)."""
    out, log = [], b""
    for text in texts:
        log += text.encode() + b";"
        out.append([len(log), log.find(text.encode() + b";") + 1])
    return out


def test_arguments_reach_the_script_as_the_texts_asked(redis_state: RedisState, redis_server: RedisServer) -> None:
    """A group's arguments travel as one JSON text: whatever a run's argument holds (quotes, backslashes, JSON
    of its own, control characters, non-ASCII, nothing at all, a number's text), the script reads exactly
    that text, as its own call's ARGV would hold it, alone in its tick or in a group."""
    texts = ['say "hi"', "back\\slash", '{"k":[1,2]}', "tab\tnew\nline\x00nul", "ünïcødé ♫", "", "1e3", "-0"]
    want = _byte_replies(texts)
    alone = [asyncio.run(_together(redis_state, [("odd", t)])) for t in texts[:2]]
    assert alone == [[want[0]], [want[1]]]
    calls = _evalsha_calls(redis_server)
    assert asyncio.run(_together(redis_state, [("odd", t) for t in texts[2:]])) == want[2:]
    assert _evalsha_calls(redis_server) - calls == 1
    assert redis_state.get("odd") == {"log": "".join(f"{t};" for t in texts)}
