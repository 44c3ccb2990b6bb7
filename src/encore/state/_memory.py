"""Shared state for one process: a dict under one lock (the embedded default).

Values are copied in and out as JSON, so a caller can never mutate what another request holds, and the
two implementations behave alike (a value that JSON cannot hold fails here too). Expired entries are
dropped when read and swept every few thousand writes, so memory stays bounded by what is live.
"""

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

import orjson

from encore.state._port import KEPT_MAX, KEPT_S, Change, Doc, Hit, Lease, R, Script, SharedState, gcra, within

_SWEEP_EVERY = 4096


class MemoryState(SharedState):
    name = "memory"

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._docs: dict[str, tuple[bytes, float | None]] = {}  # key -> (json, expires at)
        self._ints: dict[str, tuple[int, float | None]] = {}
        self._tats: dict[str, float] = {}
        self._slots: dict[str, dict[str, float]] = {}  # key -> token -> lapses at
        self._queues: dict[str, deque[str]] = {}
        self._versions: dict[str, int] = {}
        self._clock = clock
        self._writes = 0
        # `arun_kept` and `aget_kept`: writes so far under each watched prefix, and answers with the count they
        # were read at (an answer counts while no document under its prefix was written since)
        self._watched: dict[str, int] = {}
        self._kept: dict[object, tuple[int, float, object]] = {}

    def _text(self, key: str, now: float) -> bytes | None:
        found = self._docs.get(key)
        if found is None:
            return None
        if found[1] is not None and found[1] <= now:
            del self._docs[key]
            return None
        return found[0]

    def _live(self, key: str, now: float) -> Doc | None:
        text = self._text(key, now)
        if text is None:
            return None
        value: Doc = orjson.loads(text)
        return value

    def get(self, key: str) -> Doc | None:
        with self._lock:
            return self._live(key, self._clock())

    def update(self, keys: Sequence[str], change: Change[R], *, ttl_s: Sequence[float | None]) -> R:
        if len(ttl_s) != len(keys):
            raise ValueError("one ttl per key")
        with self._lock:
            now = self._clock()
            stored = [self._text(k, now) for k in keys]
            # change gets its own copies (decoded once); what it returns is compared as text, not decoded twice
            new, result = change([None if text is None else orjson.loads(text) for text in stored])
            if len(new) != len(keys):
                raise ValueError("change must return one document per key")
            encoded = [None if doc is None else orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS) for doc in new]
            if encoded == stored:
                return result  # as in Redis: nothing written, no expiry moved
            for key, text, ttl in zip(keys, encoded, ttl_s, strict=True):
                if text is None:
                    self._docs.pop(key, None)
                else:
                    self._docs[key] = (text, None if ttl is None else now + ttl)
                self._touched(key)
            self._wrote(now)
            return result

    async def aget(self, key: str) -> Doc | None:
        return self.get(key)

    async def aupdate(self, keys: Sequence[str], change: Change[R], *, ttl_s: Sequence[float | None]) -> R:
        return self.update(keys, change, ttl_s=ttl_s)

    def run(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int], *, ttl_s: Sequence[float]
    ) -> list[int]:
        return self.update(keys, lambda docs: script.step(docs, args), ttl_s=ttl_s)

    async def arun(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int], *, ttl_s: Sequence[float]
    ) -> list[int]:
        return self.update(keys, lambda docs: script.step(docs, args), ttl_s=ttl_s)

    def _touched(self, key: str) -> None:
        """A document was written or deleted (under the lock): answers kept under its prefix are stale."""
        for prefix in self._watched:
            if key.startswith(prefix):
                self._watched[prefix] += 1

    def watching(self, prefix: str) -> bool:  # this process sees every write of its own
        return True

    async def arun_kept(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int], *, ttl_s: Sequence[float], watch: str
    ) -> list[int]:
        key = (script.name, *keys, *args)
        found, count = self._kept_answer(key, watch)
        if found is not None:
            return found  # type: ignore[return-value]
        within(watch, keys)
        reply = self.run(script, keys, args, ttl_s=ttl_s)
        self._keep(key, reply, watch, count)
        return reply

    async def aget_kept(self, key: str, *, watch: str) -> Doc | None:
        found, count = self._kept_answer(key, watch)
        if found is not None:
            return found[0]  # type: ignore[index, no-any-return]
        within(watch, (key,))
        doc = self.get(key)
        self._keep(key, (doc,), watch, count)  # in a tuple: an absent document is kept too
        return doc

    def _kept_answer(self, key: object, watch: str) -> tuple[object | None, int]:
        """The answer kept for `key` while no write under `watch` came since, and the writes so far."""
        count = self._watched.get(watch)
        if count is None:
            with self._lock:  # a new prefix, never while a writer walks the prefixes
                count = self._watched.setdefault(watch, 0)
        found = self._kept.get(key)
        if found is None or found[0] != count or found[1] <= time.monotonic():
            return None, count
        return found[2], count

    def _keep(self, key: object, answer: object, watch: str, count: int) -> None:
        if self._watched[watch] != count:  # written meanwhile: the answer may be from before the write
            return
        if len(self._kept) >= KEPT_MAX:
            self._kept.clear()
        self._kept[key] = (count, time.monotonic() + KEPT_S, answer)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._touched(key)
                self._docs.pop(key, None)
                self._ints.pop(key, None)
                self._tats.pop(key, None)
                self._slots.pop(key, None)
                self._queues.pop(key, None)

    def incr(self, key: str, *, by: int = 1, ttl_s: float) -> int:
        with self._lock:
            now = self._clock()
            value = self._count(key, now) + by
            self._ints[key] = (value, now + ttl_s)
            self._wrote(now)
            return value

    def _count(self, key: str, now: float) -> int:
        found = self._ints.get(key)
        if found is None or (found[1] is not None and found[1] <= now):
            self._ints.pop(key, None)
            return 0
        return found[0]

    def count(self, key: str) -> int:
        with self._lock:
            return self._count(key, self._clock())

    def hit(self, key: str, *, limit: int, window_s: float, cost: int = 1) -> Hit:
        with self._lock:
            now = self._clock()
            tat = self._tats.get(key)
            new_tat, hit = gcra(now=now, tat=tat, limit=limit, window_s=window_s, cost=cost)
            if new_tat is not None:
                self._tats[key] = new_tat
            self._wrote(now)
            return hit

    def acquire(self, key: str, *, limit: int, lease_s: float) -> Lease | None:
        with self._lock:
            now = self._clock()
            held = {t: at for t, at in self._slots.get(key, {}).items() if at > now}
            if len(held) >= limit:
                self._slots[key] = held
                return None
            token = secrets.token_hex(8)
            held[token] = now + lease_s
            self._slots[key] = held
            return Lease(key, token)

    def renew(self, lease: Lease, *, lease_s: float) -> bool:
        with self._lock:
            now = self._clock()
            held = self._slots.get(lease.key, {})
            if held.get(lease.token, 0.0) <= now:
                held.pop(lease.token, None)
                return False
            held[lease.token] = now + lease_s
            return True

    def release(self, lease: Lease) -> None:
        with self._lock:
            self._slots.get(lease.key, {}).pop(lease.token, None)

    def push(self, queue: str, items: Sequence[str]) -> None:
        with self._lock:
            self._queues.setdefault(queue, deque()).extend(items)

    async def apush(self, queue: str, items: Sequence[str]) -> None:
        self.push(queue, items)

    def take(self, queue: str, *, limit: int) -> list[str]:
        with self._lock:
            found = self._queues.get(queue)
            if not found:
                return []
            return [found.popleft() for _ in range(min(limit, len(found)))]

    def bump(self, key: str) -> int:
        with self._lock:
            self._versions[key] = self._versions.get(key, 0) + 1
            return self._versions[key]

    def version(self, key: str) -> int:
        with self._lock:
            return self._versions.get(key, 0)

    def ping(self) -> bool:
        return True

    def _wrote(self, now: float) -> None:
        """Every few thousand writes, drop what has expired (called under the lock)."""
        self._writes += 1
        if self._writes % _SWEEP_EVERY:
            return
        self._docs = {k: v for k, v in self._docs.items() if v[1] is None or v[1] > now}
        self._ints = {k: v for k, v in self._ints.items() if v[1] is None or v[1] > now}
        self._tats = {k: t for k, t in self._tats.items() if t > now}
