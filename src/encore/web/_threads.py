"""The hops to a worker thread for the hot catalogue reads (Subsonic, `/api/tracks/{id}`, `/v1/tracks/{id}`)
and for Subsonic's writes, each in its own lane (`Container.lanes`, built by bootstrap from the pool).

AnyIO's default pool lets 40 sync handlers run at once. Each of these calls holds a pooled database
connection for its whole run: with 40 reads at once, 32 opened a connection of their own and closed it on
return (an overflow connection is not kept), a cold page cache every time, and 40 threads handed one GIL
around. At most as many reads run at once as the pool keeps connections; the others wait their turn in the
event loop, which costs nothing. Writes (scrobble, star, play queue, playlists) wait in a lane of their own:
writers queued on SQLite's lock hold their threads for up to the busy timeout, and must not hold the reads'.
"""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import anyio.to_thread

from encore.bootstrap import Container

T = TypeVar("T")


async def run_read(c: Container, fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` on a worker thread, in the read lane."""
    return await anyio.to_thread.run_sync(partial(fn, *args), limiter=c.lanes.reads)


async def run_write(c: Container, fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` on a worker thread, in the write lane (never taking a read's slot)."""
    return await anyio.to_thread.run_sync(partial(fn, *args), limiter=c.lanes.writes)
