"""A real Redis server for the test session (Debian's redis-server), on a unix socket in a temp dir.

Like PostgreSQL, one per test session (per xdist worker). Each test that uses it gets its own key prefix,
so tests never see each other's keys; `restart` stops and starts the same server on the same files, to
show that what must survive a Redis restart does (append-only file, fsync always). `two_redis_states` is two
processes' state ports on one prefix (tests/conftest.py exposes it beside `redis_server`).
"""

import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from encore.state import RedisState
from tests.support.tmpfs import memory_dir

_prefixes = itertools.count()


def find_redis_server() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if os.path.exists(p)), None
    )


@dataclass
class RedisServer:
    binary: str
    root: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def socket(self) -> Path:
        return self.root / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def new_prefix(self) -> str:
        return f"t{os.getpid()}_{next(_prefixes)}:"

    def start(self) -> None:
        args = [
            self.binary,
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--dir", str(self.root),
            "--logfile", str(self.root / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        client = redis.Redis(unix_socket_path=str(self.socket))
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.05)
        finally:
            client.close()
        log = (self.root / "redis.log").read_text(errors="replace") if (self.root / "redis.log").exists() else ""
        raise RuntimeError(f"redis-server did not start:\n{log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def start_redis(binary: str, *, in_memory: bool = False) -> RedisServer:
    """`in_memory` (the test suite) keeps the append-only file on tmpfs when there is one (support/tmpfs.py): with
    fsync at every write it waited on the VM's disk at every command that changed a key."""
    where = memory_dir() if in_memory else None
    server = RedisServer(binary, Path(tempfile.mkdtemp(prefix="encore-redis-", dir=where)))
    server.start()
    return server


def remove(server: RedisServer) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def two_redis_states(redis_server: RedisServer) -> Iterator[tuple[RedisState, RedisState]]:
    """Two processes' states on one Redis and one prefix (two workers, or two nodes)."""
    prefix = redis_server.new_prefix()
    a, b = RedisState(redis_server.url, prefix=prefix), RedisState(redis_server.url, prefix=prefix)
    yield a, b
    a.close()
    b.close()
