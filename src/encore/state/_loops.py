"""The end of an asyncio Redis client whose event loop has finished.

`RedisState` keeps one asyncio client per event loop (a connection belongs to the loop that opened it). A
server has one loop per worker; a tool or a test that runs a loop per call (`asyncio.run`, a TestClient per
request) leaves a client behind each time, which the next loop's first ask, or `close`, disposes of here.
"""

import contextlib

import redis.asyncio as aredis


def dispose(client: aredis.Redis) -> None:
    """Close the connections of an asyncio client whose event loop has finished: they can no longer be awaited
    closed, and left to the garbage collector each socket, transport and stream writer warns (in whatever code
    runs then)."""
    pool = client.connection_pool
    for conn in [*getattr(pool, "_available_connections", ()), *getattr(pool, "_in_use_connections", ())]:
        writer = getattr(conn, "_writer", None)
        if writer is None:
            continue
        transport = writer.transport
        with contextlib.suppress(RuntimeError):  # marks it closing, then fails to schedule on the closed loop
            transport.close()
        sock = getattr(transport, "_sock", None)
        if sock is not None:
            sock.close()
            transport._sock = None  # what the closed loop's own close would have done
        conn._writer = conn._reader = None
