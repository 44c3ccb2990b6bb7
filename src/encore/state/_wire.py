"""The Redis protocol of this process's async commands, packed in one pass.

redis-py's `pack_command` grows one buffer argument by argument, copying it each time, up to 6 KB before it
starts a new one: a group of charges (`_group`, ~18 arguments per block, 64 blocks) copied ~3 KB per argument,
and the packing was the largest single cost of a grouped charge in this process (cProfile of
`bench.stream.counted --concurrency 50`). Here each argument is encoded once and the command joined once; the
bytes sent are the same (RESP arrays of bulk strings).
"""

from typing import Any

import redis.asyncio as aredis


def _pack_command(self: Any, *args: Any) -> list[bytes]:
    """RESP for `args`, as redis-py's `pack_command` makes it (a command name of several words is split)."""
    if isinstance(args[0], str):
        args = (*args[0].encode().split(), *args[1:])
    encoder = self.encoder
    encoding, errors = encoder.encoding, encoder.encoding_errors
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        kind = type(arg)  # the usual kinds first, exactly as the encoder makes them; the rest by the encoder
        if kind is str:
            data = arg.encode(encoding, errors)
        elif kind is int:
            data = b"%d" % arg
        elif kind is bytes:
            data = arg
        else:
            data = encoder.encode(arg)
        parts += (b"$%d\r\n" % len(data), data, b"\r\n")
    return [b"".join(parts)]


Connection = type[aredis.connection.AbstractConnection]
_MADE: dict[Connection, Connection] = {}


def packed_in_one_pass(cls: Connection) -> Connection:
    """`cls` (the connection class redis-py chose for a URL: TCP, TLS or a unix socket) with the packing above."""
    if cls not in _MADE:
        _MADE[cls] = type(f"OnePass{cls.__name__}", (cls,), {"pack_command": _pack_command})
    return _MADE[cls]
