"""The shared-state port (storage floor): ad clocks, open plays, rate windows, slots, queues and versions
that every request, worker and node must agree on. `open_state` picks the implementation: in memory for
one process (the embedded default), Redis when `ENCORE_REDIS_URL` is set."""

from encore.state._memory import MemoryState
from encore.state._port import (
    Change,
    Doc,
    Hit,
    Lease,
    Script,
    ScriptStep,
    SharedState,
    StateBusy,
    StateUnavailable,
    gcra,
)
from encore.state._redis import LOOP_CONNECTIONS, THREAD_CONNECTIONS, RedisState
from encore.state._slots import HeldSlot, Slots


def open_state(
    redis_url: str | None,
    *,
    prefix: str = "encore:",
    loop_connections: int = LOOP_CONNECTIONS,
    thread_connections: int = THREAD_CONNECTIONS,
) -> SharedState:
    """Redis's connection pools are bounded per process: `loop_connections` for the event loop's requests,
    `thread_connections` for threads (bootstrap derives it from the settings)."""
    if not redis_url:
        return MemoryState()
    return RedisState(
        redis_url, prefix=prefix, loop_connections=loop_connections, thread_connections=thread_connections
    )


__all__ = [
    "Change",
    "Doc",
    "HeldSlot",
    "Hit",
    "Lease",
    "MemoryState",
    "RedisState",
    "Script",
    "ScriptStep",
    "SharedState",
    "Slots",
    "StateBusy",
    "StateUnavailable",
    "gcra",
    "open_state",
]
