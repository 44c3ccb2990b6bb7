"""One event loop's concurrent runs of one script, sent to Redis as one call (a group charge).

Each free listener's block is one atomic move (`Script`), and with many requests in flight on a worker most of
a move's CPU is not the script but the round trip from Python: packing the command, the pool, the event loop's
wake-up (~100-130 µs of this process per call, ~20 µs of redis-server's before the script runs). Runs asked for
in the same event-loop tick therefore go together: at the end of the tick one EVALSHA of the script's group
form applies them on the server strictly in the order they were asked, each on its own keys and arguments as
a call of its own would, and answers each its own reply. Nothing waits for a group to fill: a group is sent as
soon as the tick that formed it ends.

The call carries each run's arguments in one JSON argument (`_GROUP`), so redis-py packs the keys and one
argument, not the ~16 arguments of every run: its `pack_command` encodes and joins each argument on its own
(the largest item of a worker's profile under wrk, ~12-16 µs a run), and orjson writes the whole group in
one pass. Redis hands a script its arguments as strings; every argument goes as a JSON string, so a run's
`ARGV` holds exactly the texts its own call would have had. A run alone in its tick goes the same way, as a
group of one: one form of the call, and the cheaper packing for it too.

Each run's reply is exactly what its own call would have answered, because the runs apply one after another
in one atomic script (what one run wrote, the next one reads). An error raised by one run (a Lua error, a
failing `redis.call`) is caught in the group and fails that run's caller alone; an error of the call itself
(Redis down, a full pool, a timeout) fails every run of the group, as each call would have failed: the caller
cannot know whether a run was applied, as with a single call whose answer was lost.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
import redis.asyncio as aredis

MAX_GROUP = 64  # runs per call: a group holds Redis for their sum (~40 µs each for a block's charge)

# The script's body becomes a function of its own KEYS and ARGV. The call's one argument is a JSON array with one
# item per run, in order: [its number of keys, its arguments as strings...] (its keys follow one another in
# KEYS). The reply holds one item per run: the run's reply (a list), or the text of the error it raised.
_GROUP = """
local function one(KEYS, ARGV)
%s
end
local runs = cjson.decode(ARGV[1])
local out, k = {}, 0
for r = 1, #runs do
  local run = runs[r]
  local nk = run[1]
  local keys, argv = {}, {}
  for i = 1, nk do keys[i] = KEYS[k + i] end
  for i = 2, #run do argv[i - 1] = run[i] end
  k = k + nk
  local ok, reply = pcall(one, keys, argv)
  if not ok then
    if type(reply) == 'table' then reply = reply.err or 'error' end
    reply = tostring(reply)
  end
  out[r] = reply
end
return out
"""


def group_lua(lua: str) -> str:
    """The group form of a script's Lua (see `_GROUP`)."""
    return _GROUP % lua


Call = Callable[[list[Any], list[Any]], Awaitable[Any]]  # (keys, args) -> the server's reply
Failed = Callable[[Exception], Exception]  # what a caller sees of an error (the port's StateUnavailable)
_Run = tuple[list[str], list[str | int], "asyncio.Future[list[int]]"]


class Group:
    """The runs of one script asked for in one event loop, gathered per tick (see the module)."""

    def __init__(self, *, group: Call, failed: Failed, limit: int = MAX_GROUP) -> None:
        self._group, self._failed, self._limit = group, failed, limit
        self._waiting: list[_Run] = []
        self._sending: set[asyncio.Task[None]] = set()  # held, so a group in flight is never collected

    async def run(self, keys: list[str], args: list[str | int]) -> list[int]:
        loop = asyncio.get_running_loop()
        if not self._waiting:
            loop.call_soon(self._flush, loop)  # after every task ready in this tick had its turn
        done: asyncio.Future[list[int]] = loop.create_future()
        self._waiting.append((keys, args, done))
        return await done

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        runs, self._waiting = self._waiting, []
        task = loop.create_task(self._send(runs))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, runs: list[_Run]) -> None:
        try:
            for at in range(0, len(runs), self._limit):  # in order: a later part is sent once the earlier answered
                await self._answer(runs[at : at + self._limit])
        finally:  # the loop is closing (this task was cancelled): no caller waits forever
            for _, _, done in runs:
                if not done.done():
                    done.cancel()

    async def _answer(self, part: list[_Run]) -> None:
        part = [run for run in part if not run[2].done()]  # a caller cancelled before sending: never applied
        if not part:
            return
        try:
            replies = await self._call(part)
        except Exception as exc:  # handed to every caller of the part, never lost
            for _, _, done in part:
                if not done.done():
                    done.set_exception(self._failed(exc))
            return
        for (_, _, done), reply in zip(part, replies, strict=True):
            if done.done():  # its caller was cancelled meanwhile; the run was applied all the same
                continue
            if isinstance(reply, list):
                done.set_result(reply)
            else:
                done.set_exception(self._failed(RunFailed(_text(reply))))

    async def _call(self, part: list[_Run]) -> Sequence[Any]:
        keys: list[str] = []
        runs: list[list[str | int]] = []
        for run_keys, run_args, _ in part:
            keys += run_keys
            runs.append([len(run_keys), *[a if isinstance(a, str) else str(a) for a in run_args]])
        replies = await self._group(keys, [orjson.dumps(runs)])
        if not isinstance(replies, list) or len(replies) != len(part):
            raise RunFailed(f"a group of {len(part)} runs answered {replies!r}")
        return replies


def script_group(client: aredis.Redis, lua: str, failed: Failed) -> Group:
    """The group of a script's runs on `client` (one event loop's), sent in the script's group form."""
    many = client.register_script(group_lua(lua))

    async def call_many(keys: list[Any], args: list[Any]) -> Any:
        return await many(keys=keys, args=args)

    return Group(group=call_many, failed=failed)


class RunFailed(Exception):
    """One run of a group raised an error on the server (its text), or the group's answer made no sense."""


def _text(reply: Any) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
