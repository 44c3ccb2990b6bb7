"""How many threads may hold a pooled connection at once, per kind of work (hot reads, writes).

Sync request handlers run on worker threads; each holds a pooled connection for its whole run. Hot reads
get as many threads as the pool keeps connections (more opened an overflow connection of their own, with a
cold page cache, on every request: issue #16). Writes get their own, smaller lane: on SQLite one writer
commits at a time and the rest wait out the busy timeout holding their thread, so writes sharing the read
lane could take every slot and stall every read behind them. Built once by the composition root from the
engine's pool; a process-wide limit like AnyIO's own thread pool (no state about any request).
"""

from dataclasses import dataclass

import anyio
from sqlalchemy import Engine

WRITE_SHARE = 2  # write threads: half the pool (at least one); SQLite commits one writer at a time anyway


@dataclass(frozen=True)
class Lanes:
    reads: anyio.CapacityLimiter
    writes: anyio.CapacityLimiter


def lanes_for(engine: Engine) -> Lanes:
    """Lanes sized from `engine`'s pool: reads as many as it keeps, writes half of that."""
    size = getattr(engine.pool, "size", None)
    kept = max(int(size()), 1) if callable(size) else 1  # a pool without a size (StaticPool) keeps one
    return Lanes(reads=anyio.CapacityLimiter(kept), writes=anyio.CapacityLimiter(max(kept // WRITE_SHARE, 1)))
