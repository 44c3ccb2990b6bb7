"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL server."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import create_db_engine, upgrade_to_head
from encore.state import MemoryState, RedisState, SharedState
from tests.support.env import SUITE_ENV
from tests.support.forkserver import use_suite_preload
from tests.support.live import SHARED_CACHE_INPUT, share_seed_cache
from tests.support.postgres import PostgresServer, database_from_template, find_pg_bin, start_postgres
from tests.support.redis import (
    RedisServer,
    find_redis_server,
    remove,
    start_redis,
    two_redis_states,  # noqa: F401 (a fixture: importing it here gives it to every test)
)

# The xdist scheduler of `make test` (a plugin module: tests/test_schedule.py runs it on small trees with pytester).
pytest_plugins = ["pytester", "tests.support.schedule"]

IN_CI = bool(os.environ.get("CI"))


def pytest_configure(config: pytest.Config) -> None:
    # Before any fixture (module- and session-scoped ones build Settings too), in every xdist worker: see env.py.
    os.environ.update(SUITE_ENV)
    # An upload is analysed in a child of the forkserver (ingest_upload's `isolate`): the fork server of each test
    # process imports the analysis and its decoders once, so each child is forked with them (support/forkserver.py).
    use_suite_preload()
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and SHARED_CACHE_INPUT in workerinput:
        share_seed_cache(Path(workerinput[SHARED_CACHE_INPUT]))
    elif workerinput is None and config.getoption("numprocesses", default=None):  # none with `-p no:xdist`
        # xdist's controller: the workers' shared cache
        config.stash[_SEED_CACHE] = tempfile.mkdtemp(prefix="encore-seed-shared-")


_SEED_CACHE = pytest.StashKey[str]()  # on xdist's controller: where its workers share the seeded catalogues


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On xdist's controller, per worker: where the workers share their seeded catalogues (support/live.py)."""
    if _SEED_CACHE in node.config.stash:
        node.workerinput[SHARED_CACHE_INPUT] = node.config.stash[_SEED_CACHE]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SEED_CACHE in config.stash:  # the workers have finished
        shutil.rmtree(config.stash[_SEED_CACHE], ignore_errors=True)


def _missing(what: str) -> None:
    """Outside CI a missing system part skips loudly; in CI it fails, since CI must run everything."""
    message = f"{what} is not available: install it (make test does this when run as root)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the operator's ENCORE_* settings (make, CI or a shell may export some): the suite's only."""
    for name in [n for n in os.environ if n.startswith("ENCORE_") and n not in SUITE_ENV]:
        monkeypatch.delenv(name)
    for name, value in SUITE_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    pg_bin = find_pg_bin()
    if pg_bin is None:
        _missing("PostgreSQL (initdb)")
    assert pg_bin is not None
    server = start_postgres(pg_bin, in_memory=True)
    engine = create_db_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CREATE DATABASE encore_template"))
    engine.dispose()
    template = create_db_engine(server.url("encore_template"))
    upgrade_to_head(template)
    template.dispose()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Debian's redis-server for the session (per xdist worker); tests get their own key prefix."""
    binary = find_redis_server()
    if binary is None:
        _missing("Redis (redis-server)")
    assert binary is not None
    server = start_redis(binary, in_memory=True)
    yield server
    remove(server)


@pytest.fixture
def redis_state(redis_server: RedisServer) -> Iterator[RedisState]:
    """A Redis state port of its own key prefix on the session's redis-server."""
    s = RedisState(redis_server.url, prefix=redis_server.new_prefix())
    yield s
    s.close()


@pytest.fixture(params=["memory", "redis"])
def state(request: pytest.FixtureRequest) -> Iterator[SharedState]:
    """The shared-state port, each test run on both implementations: in process and on Redis."""
    if request.param == "memory":
        yield MemoryState()
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    s = RedisState(server.url, prefix=server.new_prefix())
    yield s
    s.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A fresh, migrated database per test (copied from a migrated template: fast)."""
    if request.param == "sqlite":
        path = tmp_path / "encore.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with database_from_template(server, "t") as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated database per module and backend, as `database_url` makes per test: for a module's many
    cases that only send requests none of the others can see the effect of (refusals), sharing one app."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("module-db") / "encore.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with database_from_template(server, "m") as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url)


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    c = build(settings)
    yield c
    c.close()
