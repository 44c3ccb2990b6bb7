"""`make run`'s commands for real: `encore migrate`, `encore demo --first-only` (a small catalogue; `make run`
lets `encore serve --build-demo` take this step itself, which then finds it done), then `encore serve
--build-demo` in a subprocess on 127.0.0.1. The first album is listed and streamable before the background build
finishes; the build then completes, and a re-run of `encore demo` adds nothing.

"Before the build finishes" without timing: the test holds the ingest lock (the real one every import takes),
so the server's builder child can synthesise but cannot import anything until the test lets go.
"""

import fcntl
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from encore.catalog import Track
from encore.demo import DemoSpec, extras_album, plan_catalogue
from tests.support.live import free_port

pytestmark = pytest.mark.xdist_group("demo-make-run")

# A small catalogue with the same shape as the real one (several albums, all three formats).
TRACKS, ALBUMS, SHORTEST, LONGEST = 10, 3, 3.0, 5.0
ENCORE = [sys.executable, "-m", "encore.cli"]
WAIT_S = 600  # a bound on waiting for a state, not an assertion of speed: the machine may be busy


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")}
    return {**env, "ENCORE_MODE": "demo", "ENCORE_DATA_DIR": str(data_dir), "ENCORE_INGEST_WORKERS": "1"}


def _run(data_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [*ENCORE, *args], env=_env(data_dir), capture_output=True, text=True, timeout=WAIT_S, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _tracks(data_dir: Path) -> int:
    engine = create_engine(f"sqlite:///{data_dir / 'encore.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Track)) or 0)
    finally:
        engine.dispose()


@contextmanager
def _ingest_held(data_dir: Path) -> Iterator[Any]:
    media = data_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    with open(media / ".ingest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield lock


def _wait_for(check: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


@contextmanager
def _server(data_dir: Path) -> Iterator[httpx.Client]:
    port = free_port()
    log = open(data_dir / "serve.log", "wb")  # noqa: SIM115 - closed below, after the process
    proc = subprocess.Popen(
        [*ENCORE, "serve", "--host", "127.0.0.1", "--port", str(port), "--build-demo"],
        env=_env(data_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:

            def up() -> bool:
                assert proc.poll() is None, (data_dir / "serve.log").read_text()
                try:
                    return http.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            _wait_for(up, "encore serve to answer")
            yield http
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def _login(http: httpx.Client, username: str, password: str) -> dict[str, str]:
    r = http.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _albums(http: httpx.Client, auth: dict[str, str]) -> list[dict[str, Any]]:
    r = http.get("/api/browse/new-releases?limit=50", headers=auth)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_make_run_serves_the_first_album_while_the_rest_builds(tmp_path: Path) -> None:
    data = tmp_path / "var"
    plan = plan_catalogue(DemoSpec(albums=ALBUMS, tracks=TRACKS, min_track_s=SHORTEST, max_track_s=LONGEST))
    first, titles = plan.albums[0], {a.title for a in plan.albums}
    extras = extras_album(first)  # built by the background part only, after the first album
    _run(data, "migrate")
    shape = ["--tracks", str(TRACKS), "--albums", str(ALBUMS), "--track-seconds", str(SHORTEST), str(LONGEST)]
    shape += ["--history-years", "1"]  # the background build's listening: this year's, not the decade's
    out = _run(data, "demo", "--first-only", *shape)
    assert "First album ready" in out and "demo-listener" in out
    first_only_tracks = _tracks(data)
    assert first_only_tracks == len(first.tracks) + 1  # the first album and the ad spot

    with _ingest_held(data) as held, _server(data) as http:
        auth = _login(http, "demo", "demo-listener")
        listed = _albums(http, auth)
        assert [a["title"] for a in listed] == [first.title]
        progress = http.get("/api/demo/build", headers=auth).json()
        assert progress["building"] is True and progress["albums_done"] == 1
        assert progress["albums_total"] == ALBUMS and progress["tracks_total"] == TRACKS

        answer = http.get(f"/api/albums/{listed[0]['id']}", headers=auth)
        assert answer.status_code == 200, answer.text
        track = answer.json()["tracks"][0]
        r = http.post(f"/api/tracks/{track['id']}/stream", json={}, headers=auth)
        assert r.status_code == 200, r.text
        audio = http.get(r.json()["url"], headers={"Range": "bytes=0-65535"})
        assert audio.status_code in {200, 206} and audio.content[:4] == b"OggS", audio.status_code
        assert _tracks(data) == first_only_tracks  # still held: nothing else imported yet

        fcntl.flock(held, fcntl.LOCK_UN)
        _wait_for(lambda: not http.get("/api/demo/build", headers=auth).json()["building"], "the build to finish")
        assert {a["title"] for a in _albums(http, auth)} == titles | {extras.title}  # the exclusives' audio
        anonymous = httpx.get(http.base_url.join("/api/demo/build"), timeout=30)  # no session cookie
        assert anonymous.status_code == 401  # signed-in listeners only

    built = _tracks(data)
    assert built == TRACKS + 1 + len(extras.tracks)
    saved = json.loads((data / "demo-library" / ".demo-build.json").read_text())
    assert saved["finished"] is True and saved["tracks_done"] == TRACKS
    again = _run(data, "demo", *shape)
    assert "nothing to do" in again and _tracks(data) == built
