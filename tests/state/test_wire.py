"""The one-pass packing sends exactly the bytes redis-py's own packing sends, for every kind of argument."""

import pytest
import redis
import redis.asyncio as aredis

from encore.state._wire import packed_in_one_pass

CASES = [
    ("EVALSHA", "a" * 40, 2, "k1", "k2", 3600000, "", "é✓", b"\x00\r\n", 1.5, -1, 10**16),
    ("CONFIG GET", "maxmemory"),  # a command name of two words goes as two
    ("GET", "x" * 7000),  # past redis-py's 6 KB buffer: it sends pieces, the same bytes in all
    ("EVALSHA", "s", 0, *range(500)),
]


@pytest.mark.parametrize("args", CASES)
def test_one_pass_packing_sends_the_same_bytes(args: tuple[object, ...]) -> None:
    theirs = aredis.Connection(host="localhost")
    ours = packed_in_one_pass(aredis.Connection)(host="localhost")
    assert b"".join(ours.pack_command(*args)) == b"".join(theirs.pack_command(*args))
    assert len(ours.pack_command(*args)) == 1


@pytest.mark.parametrize("bad", [True, None, [1]])
def test_what_the_encoder_refuses_is_still_refused(bad: object) -> None:
    with pytest.raises(redis.DataError):
        packed_in_one_pass(aredis.Connection)(host="localhost").pack_command("SET", "k", bad)


def test_each_connection_kind_keeps_its_own_class() -> None:
    unix = packed_in_one_pass(aredis.UnixDomainSocketConnection)
    assert issubclass(unix, aredis.UnixDomainSocketConnection)
    assert packed_in_one_pass(aredis.UnixDomainSocketConnection) is unix
    assert packed_in_one_pass(aredis.Connection) is not unix
