"""review32c L1: a Redis that keeps nothing across a restart (Debian ships `appendonly no`) took Encore's ad clocks
with it without a word; `encore serve` and `encore worker` now say so in one line at start, asked of a real
redis-server's own CONFIG."""

from collections.abc import Iterator

import pytest
import redis

from encore.state import MemoryState, RedisState
from tests.support.redis import RedisServer, find_redis_server, remove, start_redis


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server of this test's own: its persistence is changed here."""
    binary = find_redis_server()
    assert binary is not None
    server = start_redis(binary, in_memory=True)
    yield server
    remove(server)


def _set(server: RedisServer, **config: str) -> None:
    client = redis.Redis(unix_socket_path=str(server.socket))
    for name, value in config.items():
        client.config_set(name, value)
    client.close()


def test_a_redis_without_appendonly_is_named_with_what_it_loses(own_redis: RedisServer) -> None:
    state = RedisState(own_redis.url)
    try:
        assert state.persistence_warning() is None  # appendonly yes: kept
        _set(own_redis, appendonly="no", save="")
        said = state.persistence_warning()
        assert said is not None and "appendonly no" in said and "everything when it restarts" in said
        assert "appendonly yes" in said and "\n" not in said
        _set(own_redis, save="3600 1")  # RDB snapshots alone: said, in their own words
        said = state.persistence_warning()
        assert said is not None and "since its last RDB snapshot" in said
    finally:
        state.close()


def test_one_process_s_own_state_is_not_warned_of() -> None:
    assert MemoryState().persistence_warning() is None
