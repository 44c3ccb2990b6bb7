"""Shared state in Redis, for several workers and machines (`ENCORE_REDIS_URL`).

Documents change in optimistic transactions (WATCH, read, MULTI, write, EXEC; a conflicting writer makes
the change run again), counters, rate windows and semaphores in Lua scripts, so every move is one atomic
step on the server. Time for windows and leases is Redis's own clock (`TIME`), the same for every node.
"""

import asyncio
import json
import secrets
from collections.abc import Sequence
from typing import Any

import redis
import redis.asyncio as aredis
from redis.exceptions import RedisError, WatchError

from encore.state._port import Change, Doc, Hit, Lease, R, SharedState, StateUnavailable

MAX_ATTEMPTS = 50  # optimistic retries before a change gives up (only under pathological contention)

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


def _encode(doc: Doc) -> str:
    return json.dumps(doc, separators=(",", ":"))


def _decode(raw: bytes | str | None) -> Doc | None:
    if raw is None:
        return None
    value: Doc = json.loads(raw)
    return value


class RedisState(SharedState):
    name = "redis"

    def __init__(self, url: str, *, prefix: str = "encore:") -> None:
        self._url, self._prefix = url, prefix
        self._r = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)
        self._async: tuple[asyncio.AbstractEventLoop, aredis.Redis] | None = None
        self._incr = self._r.register_script(_INCR)
        self._hit = self._r.register_script(_HIT)
        self._acquire = self._r.register_script(_ACQUIRE)
        self._renew = self._r.register_script(_RENEW)

    def _k(self, key: str) -> str:
        return self._prefix + key

    def _ar(self) -> aredis.Redis:
        """One asyncio client per event loop (a connection belongs to the loop that opened it)."""
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            client = aredis.Redis.from_url(self._url, socket_timeout=5, socket_connect_timeout=5)
            self._async = (loop, client)
        return self._async[1]

    def get(self, key: str) -> Doc | None:
        try:
            return _decode(self._r.get(self._k(key)))
        except RedisError as exc:
            raise StateUnavailable(str(exc)) from exc

    def update(self, keys: Sequence[str], change: Change[R], *, ttl_s: Sequence[float | None]) -> R:
        if len(ttl_s) != len(keys):
            raise ValueError("one ttl per key")
        full = [self._k(k) for k in keys]
        try:
            for _ in range(MAX_ATTEMPTS):
                with self._r.pipeline(transaction=True) as pipe:
                    try:
                        pipe.watch(*full)
                        old = [_decode(raw) for raw in pipe.mget(full)]
                        new, result = _applied(change, old, len(keys))
                        if new == old:
                            pipe.unwatch()
                            return result
                        pipe.multi()
                        _queue_writes(pipe, full, new, ttl_s)
                        pipe.execute()
                        return result
                    except WatchError:
                        continue
        except RedisError as exc:
            raise StateUnavailable(str(exc)) from exc
        raise StateUnavailable(f"gave up after {MAX_ATTEMPTS} conflicting writes to {keys[0]!r}")

    async def aget(self, key: str) -> Doc | None:
        try:
            return _decode(await self._ar().get(self._k(key)))
        except RedisError as exc:
            raise StateUnavailable(str(exc)) from exc

    async def aupdate(self, keys: Sequence[str], change: Change[R], *, ttl_s: Sequence[float | None]) -> R:
        if len(ttl_s) != len(keys):
            raise ValueError("one ttl per key")
        full = [self._k(k) for k in keys]
        try:
            for _ in range(MAX_ATTEMPTS):
                async with self._ar().pipeline(transaction=True) as pipe:
                    try:
                        await pipe.watch(*full)
                        old = [_decode(raw) for raw in await pipe.mget(full)]
                        new, result = _applied(change, old, len(keys))
                        if new == old:
                            await pipe.unwatch()
                            return result
                        pipe.multi()
                        _queue_writes(pipe, full, new, ttl_s)
                        await pipe.execute()
                        return result
                    except WatchError:
                        continue
        except RedisError as exc:
            raise StateUnavailable(str(exc)) from exc
        raise StateUnavailable(f"gave up after {MAX_ATTEMPTS} conflicting writes to {keys[0]!r}")

    def delete(self, *keys: str) -> None:
        if keys:
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
                raise StateUnavailable(str(exc)) from exc

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

    def close(self) -> None:
        self._r.close()

    async def aclose(self) -> None:
        if self._async is not None and self._async[0] is asyncio.get_running_loop():
            client, self._async = self._async[1], None
            await client.aclose()

    @staticmethod
    def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RedisError as exc:
            raise StateUnavailable(str(exc)) from exc


def _applied(change: Change[R], old: list[Doc | None], n: int) -> tuple[list[Doc | None], R]:
    new, result = change([None if d is None else json.loads(_encode(d)) for d in old])  # change gets copies
    if len(new) != n:
        raise ValueError("change must return one document per key")
    return new, result


def _queue_writes(pipe: Any, keys: list[str], docs: list[Doc | None], ttl_s: Sequence[float | None]) -> None:
    for key, doc, ttl in zip(keys, docs, ttl_s, strict=True):
        if doc is None:
            pipe.delete(key)
        else:
            pipe.set(key, _encode(doc), px=None if ttl is None else max(1, int(ttl * 1000)))
