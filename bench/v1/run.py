"""/v1 latency on the 1,000,000-track catalogue at 50 concurrent clients, with the player API as reference.

.venv/bin/python -m bench.v1.run --db var/bench-1m.db [--duration 15] [--connections 50]

`encore serve` (one process, as shipped) runs pinned to core 0; wrk (-c connections, closed loop) runs on
core 1. Each scenario cycles through many different ids or queries. The reference is the player's own
JSON API for the same objects (`/api/tracks/{id}`, `/api/search`) in the same run: the difference is what
the OAuth check, the Spotify shapes and the response model cost. Before measuring, one request per
scenario must answer 200, so a server answering errors cannot look fast.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.search.words import WORDS
from encore.accounts import create_user, get_user_by_name
from encore.bootstrap import build
from encore.catalog import Track
from encore.config import Settings
from encore.db import transaction
from encore.oauth import OAuthApp, register_app

HERE = Path(__file__).resolve().parent
PORT = 8917


def _prepare(db: Path) -> tuple[list[str], str, str]:
    """Migrate (adds the OAuth tables), make a developer and an app; sample track ids."""
    c = build(Settings(mode="dev", data_dir=db.parent / "bench-v1-data", database_url=f"sqlite:///{db}"))
    c.migrate()
    with transaction(c.sessions) as s:
        user = get_user_by_name(s, username="benchdev") or create_user(s, username="benchdev", password="bench-pass-1")  # noqa: S106 - a throwaway bench account
        made = register_app(s, owner_id=user.id, name="bench", redirect_uris=["http://127.0.0.1/cb"], now=c.clock.now())
        made_app = made.app
        row = s.scalar(select(OAuthApp).where(OAuthApp.client_id == made_app.client_id))
        assert row is not None
        row.rate_limit = 10**9  # the benchmark measures latency, not the per-app limit
        rng = random.Random(5)
        top = s.scalar(select(Track.id).order_by(Track.id.desc()).limit(1)) or 1
        picks = sorted({rng.randint(1, top) for _ in range(3000)})
        ids = list(s.scalars(select(Track.public_id).where(Track.id.in_(picks))))
    c.close()
    return ids, made_app.client_id, made.client_secret


def _serve(db: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ENCORE_DATABASE_URL": f"sqlite:///{db}",
        "ENCORE_DATA_DIR": str(db.parent / "bench-v1-data"),
        "ENCORE_PORT": str(PORT),
        "ENCORE_MODE": "dev",
    }
    encore = str(Path(sys.executable).parent / "encore")
    proc = subprocess.Popen(["taskset", "-c", "0", encore, "serve"], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/api/browse/labels", timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start")


def _wrk(paths: list[str], token: str, *, duration: int, connections: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths))
    env = {**os.environ, "WRK_PATHS": f.name, "WRK_TOKEN": token}
    out = subprocess.run(
        [
            "taskset",
            "-c",
            "1",
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(HERE / "wrk.lua"),
            f"http://127.0.0.1:{PORT}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    line = next((x for x in out.splitlines() if x.startswith("RESULT")), "RESULT (wrk printed no summary)")
    rps = next((x for x in out.splitlines() if x.startswith("Requests/sec")), "Requests/sec: ?").split()[-1]
    return f"{line[7:]} rps={rps}"


def _sequential(base: str, paths: list[str], token: str) -> str:
    times = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for path in paths:
            t0 = time.perf_counter()
            assert http.get(path).status_code == 200
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return f"{times[len(times) // 2]:.1f} / {times[int(len(times) * 0.99)]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--single", type=int, default=200, help="sequential requests per scenario (service time)")
    args = parser.parse_args()
    db = args.db.resolve()
    ids, client_id, secret = _prepare(db)
    rng = random.Random(9)
    queries = [rng.choice(WORDS)[: rng.choice([3, 4, 6])] for _ in range(500)]
    proc = _serve(db)
    try:
        base = f"http://127.0.0.1:{PORT}"
        token = httpx.post(
            f"{base}/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        ).json()["access_token"]
        scenarios = {
            "/v1/tracks/{id}": [f"/v1/tracks/{i}" for i in ids],
            "/api/tracks/{id} (reference)": [f"/api/tracks/{i}" for i in ids],
            "/v1/search type=track limit=20": [f"/v1/search?q={q}&type=track&limit=20" for q in queries],
            "/api/search type=track limit=20 (reference)": [f"/api/search?q={q}&type=track&limit=20" for q in queries],
        }
        for name, paths in scenarios.items():
            r = httpx.get(base + paths[0], headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert r.status_code == 200, (name, r.status_code, r.text[:200])
        print("| scenario | 1 client, sequential: p50 / p99 ms |\n|---|---|")
        for name, paths in scenarios.items():
            print(f"| {name} | {_sequential(base, paths[: args.single], token)} |", flush=True)
        print(f"\n| scenario | {args.connections} clients, {args.duration} s (wrk, ms) |\n|---|---|")
        for name, paths in scenarios.items():
            _wrk(paths[:50], token, duration=3, connections=args.connections)  # warm-up
            print(
                f"| {name} | {_wrk(paths, token, duration=args.duration, connections=args.connections)} |", flush=True
            )
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
