"""Engines for SQLite (embedded default, WAL + foreign keys) and PostgreSQL (psycopg 3)."""

import errno
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from encore.db._text import icu_dialect_hook, register_sqlite_lower
from encore.kernel import ValidationFailed


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses no committed-and-synced page
    cur.execute("PRAGMA busy_timeout=10000")
    # 2 MiB of pages per connection; the OS page cache does the rest. No mmap: every pooled connection mapped
    # the file on its own, so a monitor's RSS counted the same hot pages once per connection (3.3 GB read
    # under load, issue #16); reads now go through pread into the shared page cache, outside RSS.
    cur.execute("PRAGMA cache_size=-2048")
    cur.execute("PRAGMA mmap_size=0")
    cur.close()
    register_sqlite_lower(dbapi_conn)


def _begin_before_savepoint(conn: Connection, _name: str | None) -> None:
    """Open SQLite's transaction before a SAVEPOINT that would otherwise open it. Python's sqlite3 (3.11) sends
    BEGIN only before a write statement, so a session whose first write is in `begin_nested()` had its SAVEPOINT
    open the transaction, and the RELEASE committed it: the outer rollback could not undo it (fixcost19: a job
    queued by a request that then failed stayed queued). With BEGIN first, the savepoint nests as it does on
    PostgreSQL. Only such transactions change: one already open (a write came first) is left as it is."""
    raw = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN")


def _cheap_sqlite_binds() -> None:
    """Bind None and bool parameters without the driver's adapter search, which on Python 3.11 costs an
    AttributeError built and dropped per value (`sqlite3` looks for `PrepareProtocol.__adapt__` on every
    parameter that is not exactly an int, float or str): about 2,000 instructions per NULL or bool bound, a
    sixth of a ListenBrainz import's CPU (issue #17), whose rows carry six NULLs and two flags. With an adapter
    registered the search ends at the first dictionary lookup; what is bound is unchanged (NULL; 0 or 1). The
    adapters are C callables: a Python function would add a frame per value. Idempotent, process-wide (the
    driver keeps one registry), and only for types the driver would have bound as they are."""
    nothing: dict[None, None] = {}
    sqlite3.register_adapter(type(None), nothing.get)  # nothing.get(None) is None
    sqlite3.register_adapter(bool, int)


# FastAPI runs sync handlers on AnyIO's pool of 40 threads; with SQLAlchemy's default 5 + 10 connections a
# burst of 50 clients waited on the pool and failed with 500 (found by bench/v1). Overflow connections are
# closed when returned, so idle memory stays at the base size. Settings' db_pool_* override them.
POOL_SIZE, POOL_OVERFLOW, POOL_TIMEOUT_S = 8, 40, 30.0
# PostgreSQL's connect wait unless the URL names one (`?connect_timeout=N`): an unreachable host that drops
# packets is an outage answered 503 in seconds, not a request (or the stream path's once-a-second read) held
# for the operating system's minutes of retries.
PG_CONNECT_TIMEOUT_S = 5
# Once connected, a peer that goes silent (a host gone, the network between cut) is noticed by TCP: an idle
# connection's keepalive probes go unanswered (10 s, then 3 probes 5 s apart), and data sent and never
# acknowledged, a query, gives up after 30 s, where Linux retransmits for some 15 minutes. A server that is
# up answers both at once, however long its query runs. A URL that names any of them keeps its own.
PG_TCP: dict[str, int] = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # milliseconds
}


def create_db_engine(
    url: str,
    *,
    pool_size: int = POOL_SIZE,
    pool_overflow: int = POOL_OVERFLOW,
    pool_timeout_s: float = POOL_TIMEOUT_S,
    **kwargs: Any,
) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database not in (None, "", ":memory:"):
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", pool_overflow)
        kwargs.setdefault("pool_timeout", pool_timeout_s)
    if parsed.drivername == "postgresql":  # plain postgresql:// means psycopg 3 here
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        _cheap_sqlite_binds()
        engine = create_engine(parsed, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _begin_before_savepoint)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    ours = {"connect_timeout": PG_CONNECT_TIMEOUT_S, **PG_TCP}  # an address that drops packets: minutes
    ours = {name: value for name, value in ours.items() if name not in parsed.query}
    kwargs["connect_args"] = {**ours, **kwargs.get("connect_args", {})}
    engine = create_engine(parsed, **kwargs)
    event.listen(engine, "handle_error", _nul_text)
    icu_dialect_hook(engine)
    return engine


def _nul_text(context: ExceptionContext) -> None:
    """PostgreSQL's text cannot hold U+0000: psycopg refuses such a parameter before sending it (its message
    below), and the server refuses one sent in binary (SQLSTATE 22021, "0x00"). Whatever text a client sent
    that reached a statement (a login name, a query, an id) is then a client error on every face, in each
    face's shape, not a 500. Only psycopg 3's refusals: any other error stays what it is."""
    if context.dialect.driver != "psycopg":
        return
    orig = context.original_exception
    sqlstate, message = getattr(orig, "sqlstate", None), str(orig)
    if (sqlstate is None and _PSYCOPG_NUL in message) or (sqlstate == "22021" and "0x00" in message):
        raise ValidationFailed("text may not hold the NUL character (U+0000)", code="nul_character")


_PSYCOPG_NUL = "PostgreSQL text fields cannot contain NUL"


def bound_statements(session: Session, *, seconds: float) -> None:
    """On PostgreSQL, the server cancels any statement of the session's transaction that runs past `seconds`
    (a lock it waits on, a server too busy): SQLSTATE 57014, which `is_busy` counts as busy. For a read that
    must not hold its caller longer. SQLite's waits are bounded by its busy timeout already: nothing to do."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(int(seconds * 1000))})


def reachable(engine: Engine) -> bool:
    """Whether the database answers a trivial query now (for readiness checks)."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception:
        return False
    return True


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The edge of a request or job owns the transaction: commit on success, roll back on error."""
    with factory() as session, session.begin():
        yield session


_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
# serialization failure, deadlock, lock not available, statement or lock timeout (query_canceled)
_PG_BUSY = frozenset({"40001", "40P01", "55P03", "57014"})


# connection exceptions (class 08), and the server shutting down, crashed or still starting (57P01-57P03)
_PG_GONE = frozenset({"57P01", "57P02", "57P03"})


def is_unreachable(exc: BaseException) -> bool:
    """The database server could not be reached or went away (stopped, restarting, the network between):
    an outage to wait out, not a bug in the request. A connection refused or timed out has no SQLSTATE (no
    server answered); SQLite has no server, so its errors are never this."""
    if not isinstance(exc, OperationalError) or exc.orig is None:
        return False
    if exc.connection_invalidated:
        return True
    if type(exc.orig).__module__.split(".")[0] != "psycopg":
        return False
    state = getattr(exc.orig, "sqlstate", None)
    return state is None or state.startswith("08") or state in _PG_GONE


_BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")


def error_line(exc: BaseException) -> str:
    """A database error (or any) for a log line, on one line: the driver's own message with its type, whitespace
    folded (psycopg's runs over two lines, the second tab-indented: probe24a F3), without SQLAlchemy's
    "(Background on this error at: ...)" link and without the statement and parameters it adds (they may carry
    what a listener sent)."""
    orig = getattr(exc, "orig", None)
    shown = orig if isinstance(orig, BaseException) else exc
    message = " ".join(_BACKGROUND.sub("", str(shown)).split())
    kind = type(shown)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"({name}) {message}"


_SQLITE_FULL, _SQLITE_IOERR = 13, 10  # primary result codes (an extended code keeps its primary in the low byte)


def storage_failure(exc: BaseException) -> BaseException | None:
    """The error that says a disk is full or failing, or None: SQLite's "database or disk is full" and "disk I/O
    error" (through SQLAlchemy, or straight from the job queue's own SQLite file), or a read or write the operating
    system refused for want of space or for the disk's own fault (an `OSError`, whose `filename` says where when it
    knows). Not the database's nor the caller's fault: the operator's."""
    seen: BaseException | None = exc
    for _ in range(4):  # the error, its driver's error, what caused that
        if seen is None:
            return None
        if isinstance(seen, sqlite3.Error) and (getattr(seen, "sqlite_errorcode", 0) & 0xFF) in (
            _SQLITE_FULL,
            _SQLITE_IOERR,
        ):
            return seen
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            return seen
        orig = getattr(seen, "orig", None)
        seen = orig if isinstance(orig, BaseException) else seen.__cause__
    return None


def is_storage_failing(exc: BaseException) -> bool:
    """The disk under the database, the data directory or another path Encore used is full or failing."""
    return storage_failure(exc) is not None


# SQLite's primary result codes that say the install cannot be used as configured: PERM, BUSY, LOCKED, READONLY,
# CORRUPT, CANTOPEN, AUTH, NOTADB. Its generic SQLITE_ERROR (1) is what a statement's own bug raises ("no such
# column", a syntax error): that one must keep its traceback.
_SQLITE_INSTALL = frozenset({3, 5, 6, 8, 11, 14, 23, 26})


def is_driver_error(exc: BaseException) -> bool:
    """The database driver's operational failure (a server that refuses a log-in, a database that does not exist,
    a file SQLite cannot open), through SQLAlchemy or from SQLite itself (the job queue's file): an install that
    cannot be used as configured, as opposed to a bug in a statement (on SQLite both are OperationalError: its
    result code tells them apart)."""
    if not isinstance(exc, (OperationalError, InterfaceError, sqlite3.OperationalError)):
        return False
    orig = getattr(exc, "orig", None)
    lite = exc if isinstance(exc, sqlite3.Error) else orig if isinstance(orig, sqlite3.Error) else None
    return lite is None or (getattr(lite, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_INSTALL


def is_busy(exc: BaseException) -> bool:
    """The database was too busy to answer (another writer held the lock past the wait, or every pooled
    connection stayed checked out past the pool's wait): worth a retry, never the caller's fault and never a
    server bug."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _PG_BUSY:
        return True
    message = str(exc.orig).lower()
    return any(words in message for words in _SQLITE_BUSY)
