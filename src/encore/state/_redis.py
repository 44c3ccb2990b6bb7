"""Shared state in Redis, for several workers and machines (`ENCORE_REDIS_URL`).

Documents change by compare-and-set: the change runs on the texts this process last saw of its keys (or
reads them first), then one Lua script writes the new texts only if the stored ones are still those, and
otherwise answers the current texts, on which the change runs again. A worker that is the only writer of a
document (one listener's ad clock, as it usually is) moves it in one round trip; the texts it remembers are
a hint checked on the server, never an authority. Counters, rate windows and semaphores are Lua scripts
too, so every move is one atomic step on the server. Time for windows and leases is Redis's own clock
(`TIME`), the same for every node.

Connections are pooled and bounded (`BlockingConnectionPool`): one pool for the event loop's requests and one
for threads (transcodes, sync handlers, jobs). A move holds a connection for one round trip, and Redis answers
one command at a time, so past a few dozen in flight more connections only queue inside Redis (each one a
file descriptor there and here); a move that finds every connection busy waits its turn, and past the wait
fails with `StateBusy`. redis-py's default pool instead opens up to 100 connections per client and then fails
every further move at once (`MaxConnectionsError`: a 500 for each listener past the hundredth at once).

Answers of reads kept until Redis reports a write are `_kept`'s (the class below builds on it); the end of an
asyncio client whose event loop has finished is `_loops`'.
"""

import asyncio
import contextlib
import secrets
from collections.abc import Sequence
from typing import Any

import orjson
import redis
import redis.asyncio as aredis
from redis.exceptions import RedisError

from encore.state._group import Group, RunFailed, script_group
from encore.state._kept import KeptReads
from encore.state._loops import dispose
from encore.state._port import (
    Change,
    Doc,
    Hit,
    Lease,
    R,
    Script,
    StateBusy,
    StateUnavailable,
)

MAX_ATTEMPTS = 50  # optimistic retries before a change gives up (only under pathological contention)
TURN_STRIPES = 64  # per-process locks, by key hash, that moves of one document take in turn
SEEN_KEYS = 4096  # documents whose last seen text a process remembers (a hint for the next compare-and-set)
LOOP_CONNECTIONS = 32  # per event loop (one per worker process): requests' moves in flight at once
THREAD_CONNECTIONS = 16  # for threads: sync handlers, transcodes, job workers (bootstrap derives it)
POOL_WAIT_S = 5.0  # how long a move waits for a free connection (as long as for Redis's answer)
TIMEOUTS: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 5}
_EXHAUSTED = "No connection available."  # redis-py's BlockingConnectionPool (sync and asyncio) past its wait

# KEYS: the documents. ARGV: their expected texts ('' = absent), their new texts ('' = delete), then TTLs in
# ms ('0' = none). When any stored text differs from the expected one, nothing is written and the reply is
# {0, current texts...}; otherwise, if anything changed, every key is written (its TTL renewed): {1}.
_CAS = """
local n = #KEYS
local cur, same, changed = {}, true, false
for i = 1, n do
  local v = redis.call('GET', KEYS[i]) or ''
  cur[i] = v
  if v ~= ARGV[i] then same = false end
  if ARGV[n + i] ~= v then changed = true end
end
if not same then return {0, unpack(cur)} end
if not changed then return {1} end
for i = 1, n do
  local new, ttl = ARGV[n + i], tonumber(ARGV[2 * n + i])
  if new == '' then redis.call('DEL', KEYS[i])
  elseif ttl > 0 then redis.call('SET', KEYS[i], new, 'PX', ttl)
  else redis.call('SET', KEYS[i], new) end
end
return {1}
"""

_INCR = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v
"""

# GCRA, as encore.state._port.gcra; floats go back as strings (Redis truncates Lua numbers to integers).
_HIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local interval = window / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then tat = now end
local new_tat = tat + interval * cost
local allow_at = new_tat - window
if allow_at > now then
  local rem = 0
  if tat - now < window then rem = math.floor((window - (tat - now)) / interval) end
  return {0, rem, tostring(allow_at - now)}
end
redis.call('SET', KEYS[1], string.format('%.6f', new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1)
return {1, math.floor((window - (new_tat - now)) / interval), '0'}
"""

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
return 1
"""

_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not until_ or tonumber(until_) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
return 1
"""


def _decode(raw: bytes | None) -> Doc | None:
    if not raw:
        return None
    value: Doc = orjson.loads(raw)
    return value


class RedisState(KeptReads):
    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "encore:",
        loop_connections: int = LOOP_CONNECTIONS,
        thread_connections: int = THREAD_CONNECTIONS,
        wait_s: float = POOL_WAIT_S,
    ) -> None:
        if loop_connections < 1 or thread_connections < 1 or wait_s <= 0:
            raise ValueError("the shared state needs at least one connection and a positive wait")
        super().__init__(lambda: redis.Redis.from_url(url, single_connection_client=True, **TIMEOUTS), prefix)
        self._url, self._prefix = url, prefix
        self._loop_connections, self._wait_s = loop_connections, wait_s
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=thread_connections, timeout=wait_s, health_check_interval=30, **TIMEOUTS
        )
        self._r = redis.Redis.from_pool(pool)
        # the running loop's client, its compare-and-set script and each capability script's group (by name)
        self._async: tuple[asyncio.AbstractEventLoop, aredis.Redis, Any, dict[str, Group]] | None = None
        self._scripts: dict[str, Any] = {}  # the sync client's registered capability scripts, by name
        self._turns: tuple[asyncio.AbstractEventLoop, list[asyncio.Lock]] | None = None
        self._seen: dict[str, bytes] = {}  # full key -> the text last read or written (b'' = absent)
        self._cas = self._r.register_script(_CAS)
        self._incr = self._r.register_script(_INCR)
        self._hit = self._r.register_script(_HIT)
        self._acquire = self._r.register_script(_ACQUIRE)
        self._renew = self._r.register_script(_RENEW)

    def _k(self, key: str) -> str:
        return self._prefix + key

    def _ar(self) -> aredis.Redis:
        """One asyncio client per event loop (a connection belongs to the loop that opened it)."""
        loop = asyncio.get_running_loop()
        if self._async is not None and self._async[0] is not loop and self._async[0].is_closed():
            dispose(self._async[1])  # a finished loop's client (asyncio.run per call, a TestClient per request)
        if self._async is None or self._async[0] is not loop:
            pool = aredis.BlockingConnectionPool.from_url(
                self._url, max_connections=self._loop_connections, timeout=self._wait_s, **TIMEOUTS
            )
            client = aredis.Redis.from_pool(pool)
            self._async = (loop, client, client.register_script(_CAS), {})
        return self._async[1]

    def _acas(self) -> Any:
        self._ar()
        assert self._async is not None  # noqa: S101 - set by _ar
        return self._async[2]

    def _moved(self, keys: Sequence[str], ttl_s: Sequence[float]) -> tuple[list[str], list[int]]:
        """Full keys and TTLs of a script's move; what this process last saw of them is stale from now on."""
        if len(ttl_s) != len(keys):
            raise ValueError("one ttl per key")
        full = [self._k(k) for k in keys]
        for key in full:
            self._seen.pop(key, None)
        return full, [max(1, int(t * 1000)) if t else 0 for t in ttl_s]

    def run(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int], *, ttl_s: Sequence[float]
    ) -> list[int]:
        full, ttls = self._moved(keys, ttl_s)
        runner = self._scripts.get(script.name)
        if runner is None:
            runner = self._scripts[script.name] = self._r.register_script(script.lua)
        return list(self._call(runner, keys=full, args=[*ttls, *args]))

    async def arun(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int], *, ttl_s: Sequence[float]
    ) -> list[int]:
        """Runs asked for in one event-loop tick go to Redis together, in the order asked (`_group`)."""
        full, ttls = self._moved(keys, ttl_s)
        self._ar()
        assert self._async is not None  # noqa: S101 - set by _ar
        group = self._async[3].get(script.name)
        if group is None:
            group = self._async[3][script.name] = script_group(self._async[1], script.lua, self._run_failed)
        return await group.run(full, [*ttls, *args])

    def _run_failed(self, exc: Exception) -> Exception:
        """What the caller of a grouped run sees of `exc`: the port's error for Redis's and the script's."""
        if isinstance(exc, RedisError):
            return self._failed(exc)
        if isinstance(exc, RunFailed):
            return StateUnavailable(str(exc))
        return exc

    def _saw(self, key: str, text: bytes) -> None:
        if key not in self._seen and len(self._seen) >= SEEN_KEYS:
            # the oldest remembered goes (only a hint is lost); another thread (a transcode's) may move it meanwhile
            with contextlib.suppress(RuntimeError, KeyError, StopIteration):
                del self._seen[next(iter(self._seen))]
        self._seen[key] = text

    def _expected(self, full: list[str]) -> list[bytes] | None:
        """The texts last seen of these keys, or None when one is unknown (read them first)."""
        texts = [self._seen.get(k) for k in full]
        return None if any(t is None for t in texts) else texts  # type: ignore[return-value]

    def get(self, key: str) -> Doc | None:
        full = self._k(key)
        try:
            text = _text(self._r.get(full))
        except RedisError as exc:
            raise self._failed(exc) from exc
        self._saw(full, text)
        return _decode(text)

    def update(self, keys: Sequence[str], change: Change[R], *, ttl_s: Sequence[float | None]) -> R:
        full, ttls = self._prepared(keys, ttl_s)
        try:
            texts = self._expected(full)
            if texts is None:
                texts = [_text(raw) for raw in self._r.mget(full)]
            for _ in range(MAX_ATTEMPTS):
                new, result = _applied(change, texts, len(keys))
                reply = self._cas(keys=full, args=[*texts, *new, *ttls])
                texts = self._settled(full, new, reply)
                if texts is None:
                    return result
        except RedisError as exc:
            raise self._failed(exc) from exc
        raise StateUnavailable(f"gave up after {MAX_ATTEMPTS} conflicting writes to {keys[0]!r}")

    def _prepared(self, keys: Sequence[str], ttl_s: Sequence[float | None]) -> tuple[list[str], list[int]]:
        if len(ttl_s) != len(keys):
            raise ValueError("one ttl per key")
        return [self._k(k) for k in keys], [0 if t is None else max(1, int(t * 1000)) for t in ttl_s]

    def _settled(self, full: list[str], new: list[bytes], reply: list[Any]) -> list[bytes] | None:
        """None when the compare-and-set wrote (or found nothing to write); else the current texts to retry on."""
        if int(reply[0]) == 1:
            for key, text in zip(full, new, strict=True):
                self._saw(key, text)
            return None
        current = [_text(raw) for raw in reply[1:]]
        for key, text in zip(full, current, strict=True):
            self._saw(key, text)
        return current

    async def aget(self, key: str) -> Doc | None:
        full = self._k(key)
        try:
            text = _text(await self._ar().get(full))
        except RedisError as exc:
            raise self._failed(exc) from exc
        self._saw(full, text)
        return _decode(text)

    async def aupdate(self, keys: Sequence[str], change: Change[R], *, ttl_s: Sequence[float | None]) -> R:
        # Requests of one process moving the same document take turns here: racing each other through the
        # compare-and-set would cost every loser a round trip, and hundreds at once could exhaust the retries.
        async with self._turn(keys[0]):
            return await self._aupdate(keys, change, ttl_s)

    def _turn(self, key: str) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._turns is None or self._turns[0] is not loop:
            self._turns = (loop, [asyncio.Lock() for _ in range(TURN_STRIPES)])
        return self._turns[1][hash(key) % TURN_STRIPES]

    async def _aupdate(self, keys: Sequence[str], change: Change[R], ttl_s: Sequence[float | None]) -> R:
        full, ttls = self._prepared(keys, ttl_s)
        try:
            texts = self._expected(full)
            if texts is None:
                texts = [_text(raw) for raw in await self._ar().mget(full)]
            cas = self._acas()
            for _ in range(MAX_ATTEMPTS):
                new, result = _applied(change, texts, len(keys))
                reply = await cas(keys=full, args=[*texts, *new, *ttls])
                texts = self._settled(full, new, reply)
                if texts is None:
                    return result
        except RedisError as exc:
            raise self._failed(exc) from exc
        raise StateUnavailable(f"gave up after {MAX_ATTEMPTS} conflicting writes to {keys[0]!r}")

    def delete(self, *keys: str) -> None:
        if keys:
            for key in keys:
                self._seen.pop(self._k(key), None)
            self._call(self._r.delete, *[self._k(k) for k in keys])

    def incr(self, key: str, *, by: int = 1, ttl_s: float) -> int:
        return int(self._call(self._incr, keys=[self._k(key)], args=[by, max(1, int(ttl_s * 1000))]))

    def count(self, key: str) -> int:
        raw = self._call(self._r.get, self._k(key))
        return int(raw) if raw is not None else 0

    def hit(self, key: str, *, limit: int, window_s: float, cost: int = 1) -> Hit:
        if limit < 1 or window_s <= 0:
            raise ValueError("a rate window needs limit >= 1 and window_s > 0")
        allowed, remaining, wait = self._call(self._hit, keys=[self._k(key)], args=[limit, window_s, cost])
        return Hit(bool(allowed), int(remaining), float(wait))

    def acquire(self, key: str, *, limit: int, lease_s: float) -> Lease | None:
        token = secrets.token_hex(8)
        got = self._call(self._acquire, keys=[self._k(key)], args=[limit, max(1, int(lease_s * 1000)), token])
        return Lease(key, token) if got else None

    def renew(self, lease: Lease, *, lease_s: float) -> bool:
        got = self._call(self._renew, keys=[self._k(lease.key)], args=[lease.token, max(1, int(lease_s * 1000))])
        return bool(got)

    def release(self, lease: Lease) -> None:
        self._call(self._r.zrem, self._k(lease.key), lease.token)

    def push(self, queue: str, items: Sequence[str]) -> None:
        if items:
            self._call(self._r.rpush, self._k(queue), *items)

    async def apush(self, queue: str, items: Sequence[str]) -> None:
        if items:
            try:
                await self._ar().rpush(self._k(queue), *items)
            except RedisError as exc:
                raise self._failed(exc) from exc

    def take(self, queue: str, *, limit: int) -> list[str]:
        raw = self._call(self._r.lpop, self._k(queue), limit)
        return [item.decode() if isinstance(item, bytes) else str(item) for item in raw or []]

    def bump(self, key: str) -> int:
        return int(self._call(self._r.incr, self._k(key)))

    def version(self, key: str) -> int:
        raw = self._call(self._r.get, self._k(key))
        return int(raw) if raw is not None else 0

    def ping(self) -> bool:
        try:
            return bool(self._r.ping())
        except RedisError:
            return False

    def persistence_warning(self) -> str | None:
        try:
            config = self._r.config_get("appendonly") | self._r.config_get("save")
        except RedisError:  # CONFIG renamed or not allowed (a managed Redis): not known, so not warned of
            return None
        return unkept_warning(_str(config.get("appendonly")), _str(config.get("save")))

    def close(self) -> None:
        self._close_watches()
        if self._async is not None and self._async[0].is_closed():
            dispose(self._async[1])
            self._async = None
        self._r.close()

    async def aclose(self) -> None:
        if self._async is not None and self._async[0] is asyncio.get_running_loop():
            client, self._async = self._async[1], None
            await client.aclose()

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RedisError as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: RedisError) -> StateUnavailable:
        """Redis's failure as the port's: a pool that stayed full is an overload (StateBusy), the rest an outage."""
        if isinstance(exc, redis.ConnectionError) and str(exc) == _EXHAUSTED:
            return StateBusy(f"every connection to the shared state stayed busy for {self._wait_s:g} s")
        return StateUnavailable(str(exc))


def _str(raw: bytes | str | None) -> str | None:
    return raw.decode() if isinstance(raw, bytes) else raw


def unkept_warning(appendonly: str | None, save: str | None) -> str | None:
    """Pure: what Redis's persistence (`CONFIG GET appendonly`, `save`) loses of Encore's state, or None. Only the
    append-only file counts (review32c L1): RDB snapshots alone lose what changed since the last one when Redis is
    killed, and with neither a restart empties it; either way free listeners' ad clocks start again from an older
    copy. Said at start, never refused: RDB alone may be the operator's informed choice."""
    if appendonly is None or appendonly == "yes":
        return None
    lost = "what changed since its last RDB snapshot when it is killed" if save else "everything when it restarts"
    return (
        f"Redis runs with appendonly {appendonly}, so it loses {lost}: free listeners' ad clocks and what open plays"
        ' were sent start again from older copies. Set appendonly yes (docs/deploy.md, "Redis must keep its data")'
    )


def _text(raw: bytes | str | None) -> bytes:
    """A stored document's text as the compare-and-set sends it back (b'' = absent)."""
    if raw is None:
        return b""
    return raw.encode() if isinstance(raw, str) else raw


def _applied(change: Change[R], texts: list[bytes], n: int) -> tuple[list[bytes], R]:
    """Run `change` on fresh copies of the documents; the new documents as texts (b'' = delete)."""
    new, result = change([orjson.loads(t) if t else None for t in texts])
    if len(new) != n:
        raise ValueError("change must return one document per key")
    return [b"" if doc is None else orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS) for doc in new], result
