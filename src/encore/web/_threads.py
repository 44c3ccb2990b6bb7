"""The threads that run the hot catalogue reads (Subsonic, `/api/tracks/{id}`, `/v1/tracks/{id}`).

AnyIO's default pool lets 40 sync handlers run at once. Each of these reads holds a pooled database
connection for its whole run, and the pool keeps 8 (encore.db): with 40 at once, 32 requests opened a
connection of their own and closed it on return (an overflow connection is not kept), so every such read
paid a new SQLite connection (its pragmas, a cold page cache) and 40 threads handed one GIL around. At most
as many of these reads run at once as the pool keeps connections; the others wait their turn in the event
loop, which costs nothing. A process-wide limit like the default pool itself (no state about any request).
"""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")
READ_THREADS = 8  # encore.db's pool size

_READS = anyio.CapacityLimiter(READ_THREADS)


async def run_read(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` on a worker thread, at most READ_THREADS such calls at once."""
    return await anyio.to_thread.run_sync(partial(fn, *args), limiter=_READS)
