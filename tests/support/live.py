"""A real Encore server on loopback (uvicorn in a thread) over a small demo catalogue made by the real pipeline."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from encore.bootstrap import Container
from encore.web import create_app


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
    with serve_asgi(create_app(container)) as base_url:
        yield LiveServer(base_url, container)


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Run any ASGI app under real uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
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
        server.should_exit = True
        thread.join(timeout=10)


def seed_small_catalogue(
    container: Container, work: Path, *, tracks: int = 12, albums: int = 4, seconds: tuple[float, float] = (31.0, 34.0)
) -> None:
    """Synthesize a few short tracks with the demo generator and import them through real ingest."""
    from encore.demo import DemoSpec, plan_catalogue, write_demo_library
    from encore.ingest import run_ingest

    spec = DemoSpec(
        artists=albums, albums=albums, tracks=tracks, min_track_s=seconds[0], max_track_s=seconds[1], seed=11
    )
    files = write_demo_library(plan_catalogue(spec), work / "library", workers=1)
    summary = run_ingest(
        paths=[work / "library"],
        session_factory=container.sessions,
        store=container.store,
        label_override=None,
        workers=1,
        progress=None,
    )
    assert len(files) == tracks and not summary.failed, summary


def seeded_container(work: Path, overrides: dict[str, Any] | None = None) -> Container:
    """A dev-mode Encore on SQLite under `work`, migrated, holding the small synthesized catalogue."""
    from encore.bootstrap import build
    from encore.config import Settings

    settings = Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db")
    container = build(settings.model_copy(update=overrides or {}))
    container.migrate()
    seed_small_catalogue(container, work)
    return container


def first_album_id(container: Container) -> str:
    """The public id of the first album the catalogue stored."""
    from sqlalchemy import select

    from encore.catalog import Album

    with container.sessions() as s:
        album = s.scalars(select(Album).order_by(Album.id)).first()
        assert album is not None
        return album.public_id
