"""A real PostgreSQL server for the test session: initdb into a temp dir, run as `postgres` when root."""

import contextlib
import gc
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from glob import glob
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tests.support.tmpfs import memory_dir

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass
class PostgresServer:
    host: str
    port: int
    datadir: Path
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def find_pg_bin() -> Path | None:
    for candidate in sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres(pg_bin: Path, *, in_memory: bool = False) -> PostgresServer:
    """initdb and start a server on loopback. `in_memory` (the test suite) puts its data directory on tmpfs when
    there is one (support/tmpfs.py): a test's CREATE DATABASE ... TEMPLATE copies the template's ~10 MB, which on
    the VM's disk waited ~0.6-1.7 s of wall for ~0.02 s of CPU, on tmpfs ~0.05 s."""
    where = memory_dir() if in_memory else None
    root = Path(tempfile.mkdtemp(prefix="encore-pg-", dir=where))
    datadir = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(
        _as_postgres(
            [str(pg_bin / "initdb"), "-D", str(datadir), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    opts = [
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
    ]
    if where is not None:  # the write-ahead log is memory too: recycle it well before its 1 GB default
        opts += ["-c", "max_wal_size=256MB", "-c", "min_wal_size=32MB"]
    log = open(root / "postgres.log", "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        _as_postgres(
            [str(pg_bin / "postgres"), "-D", str(datadir), "-h", "127.0.0.1", "-p", str(port), "-k", str(root), *opts]
        ),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    # Ready when it accepts a session, not when its port opens: a loaded machine can leave it answering "the
    # database system is starting up" for seconds after the listen (pg_isready: 0 accepting, 1 rejecting).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready = subprocess.run(
            [str(pg_bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-t", "5"],
            check=False,
        )
        if ready.returncode == 0:
            return PostgresServer("127.0.0.1", port, datadir, proc, log)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    log.close()
    raise RuntimeError(f"PostgreSQL did not start:\n{(root / 'postgres.log').read_text(errors='replace')}")


_databases = itertools.count()
_FILE_COPY_FROM = 150000  # server_version_num: PostgreSQL 15 added STRATEGY (and made WAL_LOG the default)
_server_versions: dict[int, int] = {}  # server port -> its server_version_num


def _copy_strategy(server: PostgresServer, conn: "Connection") -> str:
    """How CREATE DATABASE copies the template: by its files, as before PostgreSQL 15. Its default since then
    (WAL_LOG) writes every page of the ~11 MB template into the write-ahead log; with fsync off on tmpfs the file
    copy (and the two checkpoints it asks) costs less: PostgreSQL's CPU ~43 against ~52 ms a test's database
    created, opened and dropped (docs/benchmarks.md, "Suite time, session 27"). The same bytes either way."""
    from sqlalchemy import text

    if server.port not in _server_versions:
        _server_versions[server.port] = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    version = _server_versions[server.port]
    return " STRATEGY FILE_COPY" if version >= _FILE_COPY_FROM else ""


@contextmanager
def database_from_template(server: PostgresServer, prefix: str, template: str = "encore_template") -> Iterator[str]:
    """A new database copied from `template` (the migrated `encore_template` unless named: fast), dropped
    afterwards; yields its URL. A session still open to it at the end fails the test (`connections_left_open`)."""
    from sqlalchemy import text

    from encore.db import create_db_engine

    name = f"{prefix}_{os.getpid()}_{next(_databases)}"
    admin = create_db_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}{_copy_strategy(server, conn)}"))
    left: list[str] = []
    try:
        yield server.url(name)
    finally:
        with admin.connect() as conn:
            left = connections_left_open(conn, name)
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    if left:  # after the drop, so a leak fails its own test and never the next ones (a database left behind)
        test = os.environ.get("PYTEST_CURRENT_TEST", "this test")
        raise AssertionError(
            f"{test} left {len(left)} connection(s) open to its database {name} after its fixtures were done "
            "(an engine not disposed, a connection or container not closed, a thread still running):\n"
            + "\n".join(left)
        )


def _own_tcp_ports() -> set[int]:
    """The local ports of this process's open TCP sockets (Linux /proc; empty elsewhere)."""
    try:
        inodes = set()
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):  # an fd closed while listing
                target = os.readlink(f"/proc/self/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        ports = set()
        for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
            with contextlib.suppress(OSError), open(table) as rows:
                for row in itertools.islice(rows, 1, None):  # local_address is "ADDR:PORT" in hex; inode is field 9
                    fields = row.split()
                    if fields[9] in inodes:
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    except OSError:
        return set()
    return ports


def connections_left_open(admin: "Connection", database: str, *, grace: float = 5.0) -> list[str]:
    """The sessions still connected to `database` (other than `admin`'s), one line each, once every one this
    process has closed or let go of had its chance to end. Cheap when there are none (one query): a backend
    whose client just closed its socket may still be listed for a moment, so they are asked again for up to
    `grace` seconds; a session whose socket this process still holds is either reachable (a leak) or garbage
    not yet collected (a leak that would warn "deleted while still open" in whichever later test the garbage
    collector ran): one `gc.collect()` then closes the latter here, its ResourceWarning raised in this test."""
    from sqlalchemy import text

    query = text(
        "SELECT pid, client_port, application_name, state, backend_start, left(query, 200) FROM pg_stat_activity "
        "WHERE datname = :name AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY backend_start"
    )
    rows = admin.execute(query, {"name": database}).all()
    if not rows:
        return []
    held = [row for row in rows if row.client_port in _own_tcp_ports()]
    if held:
        gc.collect()
    deadline = time.monotonic() + grace
    own = _own_tcp_ports()
    # Waiting cannot end a session whose socket this process still holds open: only the others
    while any(row.client_port not in own for row in rows) and time.monotonic() < deadline:
        time.sleep(0.05)
        rows = admin.execute(query, {"name": database}).all()
        own = _own_tcp_ports()
    left = [(row, "this test process" if row.client_port in own else "another process") for row in rows]
    pids = {row.pid for row in rows}
    left += [(row, "closed only by the garbage collector") for row in held if row.pid not in pids]
    return [
        f"  backend {row.pid} ({whose}, port {row.client_port}, application {row.application_name!r}, "
        f"{row.state}, since {row.backend_start}), last query: {row[5]!r}"
        for row, whose in left
    ]


def _client_args(server: PostgresServer, database: str) -> list[str]:
    return ["-h", server.host, "-p", str(server.port), "-U", "postgres", "-d", database]


def dump_database(server: PostgresServer, database: str, path: Path) -> None:
    """Write `database` (schema and rows) to `path` in pg_dump's custom format."""
    pg_bin = find_pg_bin()
    assert pg_bin is not None
    cmd = [str(pg_bin / "pg_dump"), "-Fc", "-f", str(path), *_client_args(server, database)]
    subprocess.run(cmd, check=True, capture_output=True)


def restore_database(server: PostgresServer, database: str, path: Path) -> None:
    """Create `database` on this server from a dump written by `dump_database` (perhaps on another server)."""
    from sqlalchemy import text

    from encore.db import create_db_engine

    pg_bin = find_pg_bin()
    assert pg_bin is not None
    admin = create_db_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {database} TEMPLATE template0"))
    admin.dispose()
    cmd = [str(pg_bin / "pg_restore"), "--exit-on-error", *_client_args(server, database), str(path)]
    subprocess.run(cmd, check=True, capture_output=True)
