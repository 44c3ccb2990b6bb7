"""The shared-state port: what requests, workers and nodes must agree on, behind one interface.

Two implementations answer the same calls: `MemoryState` (one process; the embedded default) and
`RedisState` (any number of workers and machines). Every move is atomic in both: in memory under one
lock, in Redis by a Lua script or an optimistic transaction (WATCH/MULTI). Values are small JSON
documents; keys are plain strings that each capability namespaces itself (`clock:12`, `rate:login:...`).
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

Doc = dict[str, Any]  # a JSON object
R = TypeVar("R")
# change(current docs, in the order of the keys; None = absent) -> (new docs, None = delete; result)
Change = Callable[[list[Doc | None]], tuple[list[Doc | None], R]]


class StateUnavailable(Exception):
    """The shared state could not be reached (Redis down): callers decide whether to fail closed."""


class StateBusy(StateUnavailable):
    """Every connection this process may open to the shared state stayed busy past the wait: an overload,
    not an outage. Nothing was moved, so the request may be sent again after `retry_after_s` (a face answers
    503 with Retry-After, as for a busy database)."""

    retry_after_s = 2


# A script's rule in Python: (current docs, the script's arguments) -> (new docs, None = delete; the reply)
ScriptStep = Callable[[list[Doc | None], Sequence[str | int]], tuple[list[Doc | None], list[int]]]


@dataclass(frozen=True)
class Script:
    """One atomic move a capability writes twice, side by side: `lua` for Redis (KEYS = the documents; ARGV =
    one TTL in ms per key, '0' = none, then the arguments; it answers a list of integers) and `step`, the same
    rule in Python, which the in-memory state runs under its lock as an `update` (it writes the documents only
    when one changed, and then all of them with their TTLs renewed: the Lua must do the same). A test runs both
    forms on the same cases. Worth it where a move is made per block sent: Redis runs it in one round trip and
    this process decodes no document."""

    name: str
    lua: str
    step: ScriptStep


@dataclass(frozen=True)
class Hit:
    """One hit on a rate window: whether it was allowed, how many more would be now, and when to retry."""

    allowed: bool
    remaining: int
    retry_after_s: float


@dataclass(frozen=True)
class Lease:
    """A held slot of a bounded semaphore; it lapses by itself after its lease time if never released."""

    key: str
    token: str


class SharedState(ABC):
    """See the module docstring. `ttl_s=None` keeps a value until it is deleted."""

    name: str

    # --- documents -------------------------------------------------------------------------------
    @abstractmethod
    def get(self, key: str) -> Doc | None: ...

    @abstractmethod
    def update(self, keys: Sequence[str], change: Change[R], *, ttl_s: Sequence[float | None]) -> R:
        """Read `keys`, apply `change`, write what it returns, atomically with respect to every other
        `update` of any of these keys (a conflicting writer makes this one run `change` again, so
        `change` must be a pure function of its input)."""

    @abstractmethod
    async def aget(self, key: str) -> Doc | None: ...

    @abstractmethod
    async def aupdate(self, keys: Sequence[str], change: Change[R], *, ttl_s: Sequence[float | None]) -> R: ...

    @abstractmethod
    def run(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int], *, ttl_s: Sequence[float]
    ) -> list[int]:
        """Run `script` on `keys` atomically (with respect to every other move of these keys); its reply."""

    @abstractmethod
    async def arun(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int], *, ttl_s: Sequence[float]
    ) -> list[int]:
        """`run` from the event loop. Runs asked for at once (in one tick of the loop) are applied one after
        another in the order asked, each answered as if alone: Redis takes them in one call."""

    def watching(self, prefix: str) -> bool:
        """Whether this process keeps answers of reads under `prefix` now (`arun_kept`)."""
        return False

    async def arun_kept(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int], *, ttl_s: Sequence[float], watch: str
    ) -> list[int]:
        """`arun` of a script that writes nothing, whose reply this process may keep and answer again until a key
        under `watch` (a prefix of every one of `keys`) is written by anyone (`encore.state._watch`: Redis
        reports each such write; the in-memory state counts its own writes under `watch`)."""
        return await self.arun(script, keys, args, ttl_s=ttl_s)

    async def aget_kept(self, key: str, *, watch: str) -> Doc | None:
        """`aget`, kept as `arun_kept` keeps a reply (`key` starts with `watch`). The document is shared: read it,
        never change it."""
        return await self.aget(key)

    @abstractmethod
    def delete(self, *keys: str) -> None: ...

    # --- counters and windows ----------------------------------------------------------------------
    @abstractmethod
    def incr(self, key: str, *, by: int = 1, ttl_s: float) -> int:
        """Add `by` and return the new value; the counter lapses `ttl_s` after its last increment."""

    @abstractmethod
    def count(self, key: str) -> int: ...

    @abstractmethod
    def hit(self, key: str, *, limit: int, window_s: float, cost: int = 1) -> Hit:
        """A rate window of `limit` hits per `window_s` (GCRA: a burst of `limit`, refilled evenly). A refused
        hit costs nothing."""

    # --- bounded concurrency -------------------------------------------------------------------------
    @abstractmethod
    def acquire(self, key: str, *, limit: int, lease_s: float) -> Lease | None:
        """One of `limit` slots, or None when all are held. A slot whose holder died lapses after `lease_s`."""

    @abstractmethod
    def renew(self, lease: Lease, *, lease_s: float) -> bool:
        """Extend a held slot's lease from now; False when it had already lapsed (and may be someone else's)."""

    @abstractmethod
    def release(self, lease: Lease) -> None: ...

    # --- queues -------------------------------------------------------------------------------------
    @abstractmethod
    def push(self, queue: str, items: Sequence[str]) -> None: ...

    @abstractmethod
    async def apush(self, queue: str, items: Sequence[str]) -> None: ...

    @abstractmethod
    def take(self, queue: str, *, limit: int) -> list[str]:
        """Remove and return up to `limit` items, oldest first."""

    # --- versions (cache invalidation between nodes) ---------------------------------------------------
    @abstractmethod
    def bump(self, key: str) -> int:
        """Advance a version number (e.g. the catalogue's, on every edit); readers compare it to theirs."""

    @abstractmethod
    def version(self, key: str) -> int: ...

    # --- health -------------------------------------------------------------------------------------
    @abstractmethod
    def ping(self) -> bool: ...

    def persistence_warning(self) -> str | None:
        """One line for the operator at start when this state would not outlive a restart as deployed state
        must (docs/deploy.md, "Redis must keep its data"); None when it does, or when it is one process's own."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release the connections the running event loop opened (before that loop ends)."""


KEPT_S = 1.0  # the longest a process keeps an answer of `arun_kept` or `aget_kept`, whatever else holds
KEPT_MAX = 65_536  # answers kept per process (past that, all are dropped: a refill costs one read each)


def within(watch: str, keys: Sequence[str]) -> None:
    """A kept answer is dropped only on a write under `watch`: a key outside it could change unnoticed."""
    for key in keys:
        if not key.startswith(watch):
            raise ValueError(f"{key!r} is not under the watched prefix {watch!r}")


def gcra(*, now: float, tat: float | None, limit: int, window_s: float, cost: int) -> tuple[float | None, Hit]:
    """The generic cell rate algorithm, pure: (new theoretical arrival time or None if refused, the hit).

    Each hit moves the arrival time by window/limit; a hit is allowed while the arrival time stays within
    one window of now. The Redis implementation runs the same arithmetic in Lua."""
    interval = window_s / limit
    start = max(tat if tat is not None else now, now)
    new_tat = start + interval * cost
    allow_at = new_tat - window_s
    if allow_at > now:
        wait = allow_at - now
        remaining = int((window_s - (start - now)) / interval) if start - now < window_s else 0
        return None, Hit(False, max(remaining, 0), wait)
    remaining = int((window_s - (new_tat - now)) / interval)
    return new_tat, Hit(True, max(remaining, 0), 0.0)
