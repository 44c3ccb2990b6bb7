"""A running server beside the command line, as an operator has them: `live` serves a fresh install on loopback
(a listener "listener" with a track, "Rotating" on the album "Keys"), and `encore_cli` runs a command in its own
process against the same install (a process that shares nothing with the server but the database)."""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from tests.catalog import factories as f
from tests.support.cli_process import run_cli
from tests.support.disk import small_disk  # noqa: F401  (a fixture: tests of a full disk)
from tests.support.live import LiveServer, serve
from tests.support.media import add_rendition
from tests.web.conftest import PASSWORD

AUDIO = b"OggS" + bytes(range(256)) * 40


@dataclass
class Install:
    server: LiveServer
    web: httpx.Client  # signed in as "listener"
    user: str  # public ids
    track: str
    album: str

    def stream_url(self) -> httpx.Response:
        return self.web.post(f"/api/tracks/{self.track}/stream", json={})

    def status(self, url: str) -> int:
        return self.web.get(url, headers={"Range": "bytes=0-3"}).status_code


@pytest.fixture
def live(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    for name, value in (("MODE", "dev"), ("DATA_DIR", str(tmp_path / "var")), ("DATABASE_URL", database_url)):
        monkeypatch.setenv(f"ENCORE_{name}", value)  # the command's process reads the install from these
    container = build(Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url))
    with transaction(container.sessions) as s:
        user = create_user(s, username="listener", password=PASSWORD)
        artist = f.artist(s, "Key Band")
        album = f.album(s, "Keys", artist)
        track = f.track(s, "Rotating", album, [artist], duration_ms=120_000)
        add_rendition(container, s, track, AUDIO)
        ids = user.public_id, track.public_id, album.public_id
    with serve(container) as server, httpx.Client(base_url=server.base_url, timeout=30) as web:
        token = web.post("/api/auth/login", json={"username": "listener", "password": PASSWORD}).json()["token"]
        web.headers["Authorization"] = f"Bearer {token}"
        yield Install(server, web, *ids)
    container.close()


@pytest.fixture
def encore_cli(live: Install) -> Callable[..., str]:
    """Run `encore ARGS...` in its own process (tests/support/cli_process.py); what it printed, on one line (the
    console wraps)."""

    def run(*args: str) -> str:
        done = run_cli(args, os.environ)
        assert done.code == 0, done.output
        return " ".join(done.output.split())

    return run
