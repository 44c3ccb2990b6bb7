"""A real Encore server on loopback (uvicorn in a thread) over a small demo catalogue made by the real pipeline."""

import asyncio
import atexit
import fcntl
import functools
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from encore.bootstrap import Container
from encore.cli._serve import proxy_options
from encore.web import create_app

if TYPE_CHECKING:
    from encore.config import Settings
    from tests.support.postgres import PostgresServer


@dataclass
class LiveServer:
    base_url: str
    container: Container


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(container: Container) -> Iterator[LiveServer]:
    with serve_asgi(create_app(container), trusted_proxies=container.settings.trusted_proxies) as base_url:
        yield LiveServer(base_url, container)


class _Server(uvicorn.Server):
    """uvicorn's server, told to stop by `stop()` instead of finding `should_exit` at its next 0.1 s tick: each of
    the suite's few hundred servers stopped ~0.1 s sooner. The ticks' own work (`on_tick`: the Date header once a
    second, the exit checks) is uvicorn's, at uvicorn's pace."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    def stop(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._wake is not None:
            with suppress(RuntimeError):  # the loop already closed: the server has stopped
                self._loop.call_soon_threadsafe(self._wake.set)


@contextmanager
def serve_asgi(app: Any, *, trusted_proxies: Sequence[str] = ()) -> Iterator[str]:
    """Run any ASGI app under real uvicorn on a free loopback port, with `encore serve`'s proxy settings;
    yields its base URL."""
    port = free_port()
    proxies: Any = proxy_options(trusted_proxies)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, **proxies)
    server = _Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        thread.join(timeout=10)


# Synthesising audio and importing it through real ingest is the costliest setup in the suite, and every
# live-server module asks for the same small catalogue. Each distinct catalogue is made once, through the real
# pipeline, and every caller gets a private copy of the result: the same bytes, rows and files a fresh seeding
# would make (the demo generator is deterministic), at the cost of a file copy. The demo files and the SQLite
# and PostgreSQL catalogues are made once per run and shared by xdist's workers (`share_seed_cache`: the first
# to ask builds under a lock, the other copies; each worker's PostgreSQL server restores the first one's dump).
_libraries: dict[tuple[int, int, float, float, int], Path] = {}
_seeded: dict[tuple[int, int, float, float], Path] = {}
_seeded_postgres: dict[int, tuple[str, Path]] = {}  # server port -> (template database, its media's work dir)
_shared_root: list[Path] = []  # set on an xdist worker: the run's directory every worker sees
SHARED_CACHE_INPUT = "encore_seed_cache"  # the key in xdist's workerinput naming that directory


def share_seed_cache(root: Path) -> None:
    """On an xdist worker: build and find the shareable catalogues under `root` (made by the controller for this
    run and removed by it at the end)."""
    _shared_root[:] = [root]


@functools.cache
def _cache_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="encore-seed-cache-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


@contextmanager
def shared_dir(name: str) -> Iterator[tuple[Path, bool]]:
    """A directory under the run's shared root (this process's own root without xdist), and whether it is
    already complete; held under an exclusive lock, so one process builds it while any other waits. The
    caller builds it when it is not complete; leaving without an error marks it complete."""
    root = _shared_root[0] if _shared_root else _cache_root()
    path, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        complete = done.exists()
        if not complete:
            shutil.rmtree(path, ignore_errors=True)  # what a failed attempt left
            path.mkdir(parents=True)
        yield path, complete
        done.touch()


def _demo_library(tracks: int, albums: int, seconds: tuple[float, float], artists: int) -> Path:
    """The demo generator's files for this shape, synthesised once per run."""
    from encore.demo import DemoSpec, plan_catalogue, write_demo_library

    key = (tracks, albums, *seconds, artists)
    if key not in _libraries:
        name = "library-{}-{}-{}-{}".format(*key[:4]) + (f"-{artists}" if artists != albums else "")
        with shared_dir(name) as (out, complete):
            if not complete:
                spec = DemoSpec(
                    artists=artists,
                    albums=albums,
                    tracks=tracks,
                    min_track_s=seconds[0],
                    max_track_s=seconds[1],
                    seed=11,
                )
                files = write_demo_library(plan_catalogue(spec), out, workers=1)
                assert len(files) == tracks
        _libraries[key] = out
    return _libraries[key]


def seed_small_catalogue(
    container: Container,
    work: Path,
    *,
    tracks: int = 12,
    albums: int = 4,
    seconds: tuple[float, float] = (31.0, 34.0),
    artists: int | None = None,
) -> None:
    """Synthesize a few short tracks with the demo generator and import them through real ingest (`artists`: as
    many as albums unless given; one album of several tracks needs two, for its featured artists)."""
    from encore.ingest import run_ingest

    library = _demo_library(tracks, albums, seconds, albums if artists is None else artists)
    shutil.copytree(library, work / "library", dirs_exist_ok=True)
    summary = run_ingest(
        paths=[work / "library"],
        session_factory=container.sessions,
        store=container.store,
        label_override=None,
        workers=1,
        progress=None,
    )
    assert not summary.failed, summary


def _dev_settings(work: Path) -> "Settings":
    from encore.config import Settings

    return Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db")


def _seeded_template() -> Path:
    """A migrated SQLite database and media store holding the small catalogue, made once per run."""
    from encore.bootstrap import build

    key = (12, 4, 31.0, 34.0)
    if key not in _seeded:
        with shared_dir("seeded") as (work, complete):
            if not complete:
                container = build(_dev_settings(work))
                try:
                    container.migrate()
                    seed_small_catalogue(container, work)
                finally:
                    container.close()  # the last connection's close folds SQLite's write-ahead log into e.db
        _seeded[key] = work
    return _seeded[key]


def _seeded_postgres_template(server: "PostgresServer") -> tuple[str, Path]:
    """A PostgreSQL database holding the small catalogue to copy with CREATE DATABASE ... TEMPLATE, and the work
    dir of its media. Seeded through the real pipeline on PostgreSQL once per run; another worker's server gets
    those rows by pg_dump and pg_restore, and shares the media."""
    from sqlalchemy import text

    from encore.bootstrap import build
    from encore.config import Settings
    from encore.db import create_db_engine
    from tests.support.postgres import dump_database, restore_database

    if server.port not in _seeded_postgres:
        name = f"seeded_{os.getpid()}"
        with shared_dir("seeded-pg") as (work, complete):
            if complete:
                restore_database(server, name, work / "catalogue.dump")
            else:
                admin = create_db_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f"CREATE DATABASE {name} TEMPLATE encore_template"))
                admin.dispose()
                container = build(Settings(mode="dev", data_dir=work / "var", database_url=server.url(name)))
                try:
                    container.migrate()
                    seed_small_catalogue(container, work)
                finally:
                    container.close()  # a template must have no connections when it is copied
                dump_database(server, name, work / "catalogue.dump")
        _seeded_postgres[server.port] = (name, work)
    return _seeded_postgres[server.port]


@contextmanager
def seeded_database(work: Path, postgres: "PostgresServer | None" = None) -> Iterator[str]:
    """A private copy of the small catalogue this process seeded through the real pipeline (see above), for a
    container whose data dir is `work`/var: its media store, and its database on SQLite (a file copy, `work`/e.db)
    or, given a server, on PostgreSQL (CREATE DATABASE ... TEMPLATE of a database seeded there, dropped after).
    Yields the database URL."""
    from tests.support.postgres import database_from_template

    work.mkdir(parents=True, exist_ok=True)
    if postgres is None:
        template = _seeded_template()
        for name in ("e.db", "e.db-wal"):
            if (template / name).exists():
                shutil.copy(template / name, work / name)
        shutil.copytree(template / "var" / "media", work / "var" / "media")
        yield f"sqlite:///{work}/e.db"
        return
    database, media_work = _seeded_postgres_template(postgres)
    shutil.copytree(media_work / "var" / "media", work / "var" / "media")
    with database_from_template(postgres, "seeded", template=database) as url:
        yield url


def seeded_container(work: Path, overrides: dict[str, Any] | None = None) -> Container:
    """A dev-mode Encore on SQLite under `work`, migrated, holding the small synthesized catalogue.

    The catalogue is a private copy of one seeded through the real pipeline by this process (see above):
    the database file and the media store; every other file under `var` is made fresh by `build`.
    """
    from encore.bootstrap import build

    with seeded_database(work) as url:
        assert url == _dev_settings(work).database_url
    container = build(_dev_settings(work).model_copy(update=overrides or {}))
    container.migrate()
    return container


def first_album_id(container: Container) -> str:
    """The public id of the first album the catalogue stored."""
    from sqlalchemy import select

    from encore.catalog import Album

    with container.sessions() as s:
        album = s.scalars(select(Album).order_by(Album.id)).first()
        assert album is not None
        return album.public_id
