"""The shared-state port (storage floor): ad clocks, open plays, rate windows, slots, queues and versions
that every request, worker and node must agree on. `open_state` picks the implementation: in memory for
one process (the embedded default), Redis when `ENCORE_REDIS_URL` is set."""

from encore.state._memory import MemoryState
from encore.state._port import Change, Doc, Hit, Lease, Script, ScriptStep, SharedState, StateUnavailable, gcra
from encore.state._redis import RedisState


def open_state(redis_url: str | None, *, prefix: str = "encore:") -> SharedState:
    return RedisState(redis_url, prefix=prefix) if redis_url else MemoryState()


__all__ = [
    "Change",
    "Doc",
    "Hit",
    "Lease",
    "MemoryState",
    "RedisState",
    "Script",
    "ScriptStep",
    "SharedState",
    "StateUnavailable",
    "gcra",
    "open_state",
]
