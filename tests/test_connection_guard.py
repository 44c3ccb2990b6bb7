"""A per-test PostgreSQL database is dropped only after a look for connections still open to it
(support/postgres.py `connections_left_open`): a test that leaks one fails itself, at its teardown, instead of
psycopg's "deleted while still open" ResourceWarning failing whichever later test the garbage collector happened
to run in (CI's random failures of session 26)."""

import gc
import subprocess
import sys
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text

from encore.db import create_db_engine
from tests.support.postgres import PostgresServer, connections_left_open, database_from_template


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _leave_garbage(postgres: PostgresServer) -> None:
    with database_from_template(postgres, "guard") as url:
        conn = psycopg.connect(_libpq(url))
        conn.execute("SELECT 'planted'")
        cycle: dict[str, Any] = {"conn": conn}
        cycle["self"] = cycle
        del conn, cycle


def test_a_connection_left_as_garbage_fails_the_test_that_dropped_it(postgres: PostgresServer) -> None:
    """The CI case: a connection in a reference cycle, which only the garbage collector frees. The guard collects
    it here, so its warning is raised in this test, and fails it besides."""
    gc.disable()  # else a collection may come first, by chance: then the warning, but nothing left to find
    try:
        with (
            pytest.warns(ResourceWarning, match="deleted while still open"),
            pytest.raises(
                AssertionError, match=r"(?s)left 1 connection.*closed only by the garbage collector"
            ) as failed,
        ):
            _leave_garbage(postgres)
    finally:
        gc.enable()
    assert "SELECT 'planted'" in str(failed.value)


def _keep_an_engine(postgres: PostgresServer, kept: list[Engine]) -> None:
    with database_from_template(postgres, "guard") as url:
        engine = create_db_engine(url)
        kept.append(engine)
        with engine.connect() as conn:
            conn.execute(text("SELECT 'kept'"))


def test_an_engine_never_disposed_fails_the_test_that_dropped_it(postgres: PostgresServer) -> None:
    """A connection still reachable (an engine's pool kept, a container not closed): the collector cannot close
    it, and the message says the session is this process's."""
    kept: list[Engine] = []
    with pytest.raises(AssertionError, match=r"(?s)left 1 connection.*this test process"):
        _keep_an_engine(postgres, kept)
    kept[0].dispose()  # the database is gone: DROP ... WITH (FORCE) ended the session its pool kept


_WAIT = "print(1, flush=True); sys.stdin.read()"


def test_another_process_still_connected_is_named_as_such(postgres: PostgresServer) -> None:
    """A child the test started and never waited for (a CLI, a server): named as another process's."""
    with database_from_template(postgres, "guard") as url:
        child = subprocess.Popen(
            [sys.executable, "-c", f"import psycopg, sys; c = psycopg.connect({_libpq(url)!r}); {_WAIT}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline() == b"1\n"  # connected
            admin = create_db_engine(postgres.url("postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                left = connections_left_open(conn, url.rsplit("/", 1)[1], grace=0.2)
            admin.dispose()
        finally:
            child.communicate(b"")
    assert len(left) == 1
    assert "another process" in left[0]


def test_connections_closed_before_the_drop_pass(postgres: PostgresServer) -> None:
    """The common path: what the test opened, it closed (just now: a backend may outlive its client's close by a
    moment, which the guard waits out rather than calling a leak)."""
    with database_from_template(postgres, "guard") as url:
        engine = create_db_engine(url)
        for _ in range(3):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        engine.dispose()
        with psycopg.connect(_libpq(url)) as raw:
            raw.execute("SELECT 1")
