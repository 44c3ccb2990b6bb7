"""`make run` from a clean data directory: seconds to the first page, to the first album listed and to its
first audio bytes, and (with --full) to the end of the background build. Issue #18: music within 60 s.

    .venv/bin/python -m bench.demo.run [--full] [--keep DIR]

It runs the real `make run` (the venv must be installed already, as the target assumes) in its own process
group on a free port, with ENCORE_DATA_DIR pointing at an empty folder, and stops it at the end.
"""

import argparse
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]
LIMIT_S = 3600


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def _until(what: str, check: object, started: float) -> float:
    assert callable(check)
    while time.perf_counter() - started < LIMIT_S:
        try:
            if check():
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"gave up waiting for {what}")


def _first_audio(http: httpx.Client, auth: dict[str, str]) -> bool:
    albums = http.get("/api/browse/new-releases?limit=5", headers=auth).json().get("items", [])
    if not albums:
        return False
    tracks = http.get(f"/api/albums/{albums[0]['id']}", headers=auth).json()["tracks"]
    url = http.post(f"/api/tracks/{tracks[0]['id']}/stream", json={}, headers=auth).json()["url"]
    return http.get(url, headers={"Range": "bytes=0-65535"}).content[:4] == b"OggS"


def measure(data_dir: Path, *, full: bool) -> dict[str, float]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")}
    env |= {"ENCORE_DATA_DIR": str(data_dir), "PORT": str(port)}
    log = open(data_dir.parent / "make-run.log", "wb")  # noqa: SIM115 - closed in finally
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["make", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    figures: dict[str, float] = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            figures["first page"] = _until("the first page", lambda: http.get("/").status_code == 200, started)
            token = http.post("/api/auth/login", json={"username": "demo", "password": "demo-listener"}).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            figures["first album's audio"] = _until("the first audio", lambda: _first_audio(http, auth), started)
            if full:
                done = lambda: not http.get("/api/demo/build", headers=auth).json()["building"]  # noqa: E731
                figures["whole demo built"] = _until("the whole build", done, started)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also wait for the background build to finish")
    parser.add_argument("--keep", type=Path, help="use this (empty) folder and keep it, instead of a temp dir")
    args = parser.parse_args()
    print(f"before: {_uptime()}")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.keep or Path(tmp) / "var"
        cold = measure(data_dir, full=args.full)
        rerun = measure(data_dir, full=False)
    print(f"after:  {_uptime()}")
    for name, seconds in cold.items():
        print(f"clean data dir, {name}: {seconds:.1f} s")
    for name, seconds in rerun.items():
        print(f"re-run, {name}: {seconds:.1f} s")


if __name__ == "__main__":
    main()
