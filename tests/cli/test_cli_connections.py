"""A command run in-process closes its container, and so its database connections, however it ends (session 26:
`encore migrate` never closed its own, and `serve` not when it refused to start: on PostgreSQL the pool's
connection became garbage that psycopg warned about, "deleted while still open", in whichever later test the
garbage collector happened to run, failing CI at random)."""

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url
from typer.testing import CliRunner

from encore.cli import app
from encore.config import Settings
from encore.db import create_db_engine
from tests.support.postgres import PostgresServer, connections_left_open

runner = CliRunner()


@pytest.fixture
def site(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ENCORE_DATABASE_URL", settings.database_url)
    gc.disable()  # a leaked pool must stay open to be seen, not be closed by a collection that comes by chance
    try:
        yield settings
    finally:
        gc.enable()


def _open_connections(request: pytest.FixtureRequest, database_url: str) -> list[str]:
    """This process's connections to the database: sessions on PostgreSQL, open files of it on SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = str(Path(str(url.database)).resolve())
        fds = [os.path.join("/proc/self/fd", fd) for fd in os.listdir("/proc/self/fd")]
        return [fd for fd in fds if os.path.exists(fd) and os.path.realpath(fd) == path]
    server: PostgresServer = request.getfixturevalue("postgres")
    admin = create_db_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return connections_left_open(conn, str(url.database), grace=2.0)
    finally:
        admin.dispose()


@pytest.mark.parametrize(
    ("command", "exit_code"),
    [(["migrate"], 0), (["serve", "--workers", "2"], 2)],  # serve refused: several workers need Redis
    ids=["migrate", "serve_refused"],
)
def test_a_command_leaves_no_connection_open(
    site: Settings, request: pytest.FixtureRequest, command: list[str], exit_code: int
) -> None:
    if command[0] != "migrate":
        assert runner.invoke(app, ["migrate"]).exit_code == 0
    result = runner.invoke(app, command)
    assert result.exit_code == exit_code, result.output
    assert _open_connections(request, site.database_url) == []
