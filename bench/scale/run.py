"""Which server runs Encore's workers, and how far two workers go past one (issue #14).

.venv/bin/python -m bench.scale.run [--tracks 20000] [--duration 10] [--connections 50] [--rounds 2]

A rows-only catalogue (bench.search.generate) on SQLite, Redis for the shared state (several workers need
it; the one-worker runs use it too, so both sides pay the same). For each server and worker count the
real app starts (`encore serve --workers N`, i.e. uvicorn's supervised workers, or granian with the same
app factory `encore.web:serve_app`), then wrk (-t1, -c connections, closed loop) runs each scenario:
`/api/tracks/{id}`, Subsonic `getAlbum` and `getAlbumList2`, cycling through many ids. The server and wrk
share the machine's two cores (nothing is pinned: two workers need both cores, and wrk needs a little);
wrk's own CPU is reported. Before measuring, one request per scenario must answer 200.
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.search.generate import generate
from encore.accounts import create_user, get_user_by_name
from encore.bootstrap import build
from encore.catalog import Album, Track
from encore.config import Settings
from encore.db import transaction
from encore.devices import create_device

HERE = Path(__file__).resolve().parent
WRK_LUA = HERE.parent / "v1" / "wrk.lua"
PORT = 8931
PASSWORD = "bench-pass-1"  # noqa: S105 - a throwaway bench account


@dataclass(frozen=True)
class World:
    db: Path
    data: Path
    redis_url: str
    tracks: list[str]
    albums: list[str]
    api_key: str


def _world(work: Path, tracks: int, redis_url: str) -> World:
    db = work / "scale.db"
    if not db.exists():
        generate(db, tracks)
    c = build(Settings(mode="dev", data_dir=work / "data", database_url=f"sqlite:///{db}"))
    c.migrate()
    with transaction(c.sessions) as s:
        user = get_user_by_name(s, username="bench") or create_user(s, username="bench", password=PASSWORD)
        secret = c.settings.secret_key.get_secret_value().encode()
        device = create_device(s, user_id=user.id, name="bench", secret=secret, now=c.clock.now())
        rng = random.Random(3)
        top = s.scalar(select(Track.id).order_by(Track.id.desc()).limit(1)) or 1
        picks = sorted({rng.randint(1, top) for _ in range(3000)})
        track_ids = list(s.scalars(select(Track.public_id).where(Track.id.in_(picks))))
        album_ids = list(s.scalars(select(Album.public_id).where(Album.id.in_(picks))))
    c.close()
    return World(db, work / "data", redis_url, track_ids, album_ids, device.api_key)


def _env(world: World) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")},
        "ENCORE_DATABASE_URL": f"sqlite:///{world.db}",
        "ENCORE_DATA_DIR": str(world.data),
        "ENCORE_MODE": "dev",
        "ENCORE_REDIS_URL": world.redis_url,
        "ENCORE_JOBS_IN_PROCESS": "0",
    }


def _start(server: str, workers: int, world: World, *, timeout_s: float = 90) -> subprocess.Popen[bytes]:
    bin_dir = Path(sys.executable).parent
    if server == "uvicorn":
        cmd = [str(bin_dir / "encore"), "serve", "--port", str(PORT), "--workers", str(workers)]
    else:
        cmd = [
            str(bin_dir / "granian"), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
            "--port", str(PORT), "--workers", str(workers), "--no-ws", "--log-level", "warning",
            "encore.web:serve_app",
        ]  # fmt: skip
    # A session of its own, so the workers go with the supervisor (a killed supervisor orphaned them on the port)
    proc = subprocess.Popen(
        cmd, env=_env(world), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{server} with {workers} workers exited (is port {PORT} taken?)")
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2).status_code == 200:
                time.sleep(2 if workers > 1 else 0.5)  # let every worker finish starting
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    _stop(proc)
    raise SystemExit(f"{server} with {workers} workers did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(1)


def _scenarios(world: World, token: str) -> dict[str, tuple[list[str], str]]:
    key = f"apiKey={world.api_key}&v=1.16.1&c=bench&f=json"
    return {
        "/api/tracks/{id}": ([f"/api/tracks/{t}" for t in world.tracks], token),
        "getAlbum": ([f"/rest/getAlbum?{key}&id=al-{a}" for a in world.albums], ""),
        "getAlbumList2": (
            [f"/rest/getAlbumList2?{key}&type=alphabeticalByName&size=20&offset={o}" for o in range(0, 2000, 20)],
            "",
        ),
    }


def _wrk(paths: list[str], token: str, *, duration: int, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths))
    env = {**os.environ, "WRK_PATHS": f.name, "WRK_TOKEN": token}
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-s",
        str(WRK_LUA),
        f"http://127.0.0.1:{PORT}",
    ]
    started = os.times()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    used = os.times()
    os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    fields = dict(part.split("=") for part in line.split()[1:])
    wrk_cpu = (used.children_user + used.children_system) - (started.children_user + started.children_system)
    return {
        "rps": float(fields["requests"]) / duration,
        "p50": float(fields["p50"]),
        "p99": float(fields["p99"]),
        "errors": float(fields["errors"]) + float(fields["non2xx"]),
        "wrk_cpu": wrk_cpu / duration,
    }


def _check(paths: list[str], token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = httpx.get(f"http://127.0.0.1:{PORT}{paths[0]}", headers=headers, timeout=10)
    if r.status_code != 200 or b'"failed"' in r.content:
        raise SystemExit(f"{paths[0]} answered {r.status_code}: {r.text[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--servers", default="uvicorn,granian")
    parser.add_argument("--work", type=Path, default=Path("var/bench-scale"))
    parser.add_argument("--start-timeout", type=float, default=90, help="seconds a server may take to be ready")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    redis_dir = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    sock = redis_dir / "r.sock"
    redis = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "", "--dir", str(redis_dir)],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    results: dict[tuple[str, int, str], list[dict[str, float]]] = {}
    try:
        world = _world(args.work, args.tracks, f"unix://{sock}")
        for _ in range(args.rounds):
            for server in args.servers.split(","):
                for workers in (1, 2):
                    proc = _start(server, workers, world, timeout_s=args.start_timeout)
                    try:
                        login = httpx.post(
                            f"http://127.0.0.1:{PORT}/api/auth/login", json={"username": "bench", "password": PASSWORD}
                        )
                        token = login.json()["token"]
                        for name, (paths, tok) in _scenarios(world, token).items():
                            _check(paths, tok)
                            _wrk(paths, tok, duration=2, connections=args.connections)  # warm up
                            got = _wrk(paths, tok, duration=args.duration, connections=args.connections)
                            results.setdefault((server, workers, name), []).append(got)
                            print(server, workers, name, {k: round(v, 2) for k, v in got.items()}, flush=True)
                    finally:
                        _stop(proc)
    finally:
        redis.terminate()
        redis.wait()
        shutil.rmtree(redis_dir, ignore_errors=True)
    _report(results, args)


def _median(values: list[float]) -> float:
    s = sorted(values)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def _report(results: dict[tuple[str, int, str], list[dict[str, float]]], args: argparse.Namespace) -> None:
    print(
        f"\nload before: {os.getloadavg()}; {args.connections} connections, {args.duration} s, median of {args.rounds}"
    )
    print("| server | workers | scenario | req/s | p50 ms | p99 ms | errors | wrk CPU | 2 workers / 1 |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for (server, workers, name), runs in sorted(results.items()):
        rps = _median([r["rps"] for r in runs])
        one = results.get((server, 1, name))
        ratio = f"{rps / _median([r['rps'] for r in one]):.2f}" if workers == 2 and one else ""
        print(
            f"| {server} | {workers} | {name} | {rps:.0f} | {_median([r['p50'] for r in runs]):.1f} | "
            f"{_median([r['p99'] for r in runs]):.1f} | {sum(r['errors'] for r in runs):.0f} | "
            f"{_median([r['wrk_cpu'] for r in runs]):.2f} | {ratio} |"
        )


if __name__ == "__main__":
    main()
