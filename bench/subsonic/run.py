"""Subsonic API under load on the 1M-track catalogue, and first bytes of an on-the-fly MP3 transcode.

    .venv/bin/python -m bench.subsonic.run --db var/bench-1m.db [--seconds 15] [--connections 50]

Part 1 copies the generated catalogue (bench/search/generate.py), migrates it to head, adds a listener
with a device API key, serves it with `encore serve` pinned to core 0 and drives it with
`wrk -t1 -c50 --latency` on core 1: getAlbumList2 (newest, alphabeticalByName, random, byGenre at
random offsets), search3 (prefix queries of 1-2 words), and `ping` as the reference floor (auth +
envelope, no catalogue work).

Part 2 synthesises a small demo library, ingests it, serves it, and times 30 sequential
`stream?format=mp3&maxBitRate=128` requests from request to first body byte (a fresh transcode each),
with `format=raw` (a stored file) as the reference.
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.devices import create_device

SECRET = "bench-subsonic-" + "z" * 40
LUA = """
local paths = {}
for line in io.lines(os.getenv("URLS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""
WORDS = ["lo", "love", "night", "dream", "gold ci", "silver", "ka", "summer", "blue m", "fire"]


def _container(data: Path) -> str:
    settings = Settings(mode="dev", data_dir=data, secret_key=SECRET)  # type: ignore[arg-type]
    c = build(settings)
    c.migrate()
    with transaction(c.sessions) as s:
        user = create_user(s, username=f"bench{random.randrange(10**6)}", password="bench-password-1")  # noqa: S106 - a throwaway bench user
        made = create_device(s, user_id=user.id, name="bench", secret=SECRET.encode(), now=c.clock.now())
    c.close()
    return made.api_key


def _serve(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ENCORE_MODE": "dev", "ENCORE_DATA_DIR": str(data), "ENCORE_SECRET_KEY": SECRET}
    encore = str(Path(sys.executable).parent / "encore")
    server = subprocess.Popen(
        ["taskset", "-c", "0", encore, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/rest/ping")
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def _wrk(root: Path, base: str, paths: list[str], seconds: int, connections: int) -> dict[str, str]:
    urls = root / "urls.txt"
    urls.write_text("\n".join(paths) + "\n")
    (root / "s.lua").write_text(LUA)
    out = subprocess.run(
        [
            "taskset",
            "-c",
            "1",
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(root / "s.lua"),
            base,
        ],
        env={**os.environ, "URLS": str(urls)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures: dict[str, str] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "90%", "99%"):
            figures[parts[0]] = parts[1]
        elif line.startswith("Requests/sec"):
            figures["rps"] = parts[-1]
        elif "Non-2xx" in line:
            figures["non2xx"] = parts[-1]
    return figures


def _paced(base: str, paths: list[str], seconds: int, clients: int, per_client_rps: float) -> str:
    """`clients` listeners, each sending one request every 1/per_client_rps s (an app browsing), on core 1."""
    import asyncio

    os.sched_setaffinity(0, {1})
    latencies: list[float] = []
    errors = [0]

    async def client(i: int, http: httpx.AsyncClient) -> None:
        interval = 1 / per_client_rps
        deadline = time.perf_counter() + seconds
        await asyncio.sleep(interval * i / clients)
        n = i
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            r = await http.get(paths[n % len(paths)])
            latencies.append((time.perf_counter() - start) * 1000)
            errors[0] += r.status_code != 200
            n += clients
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - start)))

    async def run() -> None:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
            await asyncio.gather(*(client(i, http) for i in range(clients)))

    asyncio.run(run())
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    latencies.sort()
    q = lambda f: latencies[min(len(latencies) - 1, int(len(latencies) * f))]  # noqa: E731
    rate = len(latencies) / seconds
    return f"{rate:.0f} req/s offered by {clients} clients, p50 {q(0.5):.1f} ms, p95 {q(0.95):.1f} ms, p99 {q(0.99):.1f} ms, errors {errors[0]}"


def part_load(db: Path, seconds: int, connections: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="encore-subsonic-bench-"))
    data = root / "var"
    data.mkdir()
    shutil.copy(db, data / "encore.db")
    key = _container(data)
    port = 18500 + os.getpid() % 400
    server = _serve(data, port)
    base = f"http://127.0.0.1:{port}"
    auth = {"apiKey": key, "f": "json", "v": "1.16.1", "c": "bench"}
    rng = random.Random(7)
    lists = [
        "/rest/getAlbumList2?" + urlencode({**auth, "type": t, "size": 20, "offset": rng.randrange(0, 5000)})
        for t in ("newest", "alphabeticalByName", "random", "alphabeticalByArtist")
        for _ in range(25)
    ]
    searches = [
        "/rest/search3?" + urlencode({**auth, "query": w, "artistCount": 20, "albumCount": 20, "songCount": 20})
        for w in WORDS
    ]
    ping = ["/rest/ping?" + urlencode(auth)]
    # Every URL must answer ok before wrk counts anything: a fast error must not look like a fast answer.
    for path in lists[::25] + searches + ping:
        body = httpx.get(base + path, timeout=30).json()["subsonic-response"]
        assert body["status"] == "ok", (path, body)
    try:
        for name, paths in (("ping (reference)", ping), ("getAlbumList2", lists), ("search3", searches)):
            f = _wrk(root, base, paths, seconds, connections)
            print(
                f"{name:18} wrk closed loop, c={connections}: {f.get('rps')} req/s, p50 {f.get('50%')}, p90 {f.get('90%')}, p99 {f.get('99%')}, non-2xx {f.get('non2xx', '0')}"
            )
        for name, paths in (("ping (reference)", ping), ("getAlbumList2", lists), ("search3", searches)):
            print(f"{name:18} paced, 1 req/s per client: {_paced(base, paths, seconds, connections, 1.0)}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def part_transcode(requests: int) -> None:
    from encore.demo import DemoSpec, plan_catalogue, write_demo_library
    from encore.ingest import run_ingest

    root = Path(tempfile.mkdtemp(prefix="encore-transcode-bench-"))
    data = root / "var"
    key = _container(data)
    spec = DemoSpec(artists=2, albums=2, tracks=4, min_track_s=180.0, max_track_s=200.0, seed=3)
    write_demo_library(plan_catalogue(spec), root / "library", workers=1)
    c2 = build(Settings(mode="dev", data_dir=data, secret_key=SECRET))  # type: ignore[arg-type]
    run_ingest(
        paths=[root / "library"],
        session_factory=c2.sessions,
        store=c2.store,
        label_override=None,
        workers=1,
        progress=None,
    )
    c2.close()
    port = 18900 + os.getpid() % 90
    server = _serve(data, port)
    base = f"http://127.0.0.1:{port}"
    auth = {"apiKey": key, "f": "json"}
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            songs = client.get("/rest/search3", params={**auth, "query": ""}).json()["subsonic-response"][
                "searchResult3"
            ]["song"]
            for label, extra in (
                ("stored file (format=raw, reference)", {"format": "raw"}),
                ("MP3 transcode 128k", {"format": "mp3", "maxBitRate": 128}),
            ):
                times = []
                for i in range(requests):
                    params = {**auth, "id": songs[i % len(songs)]["id"], **extra}
                    start = time.perf_counter()
                    with client.stream("GET", "/rest/stream", params=params) as r:
                        assert r.status_code == 200 and r.headers["content-type"].startswith("audio/"), r.read()
                        next(r.iter_raw())
                        times.append((time.perf_counter() - start) * 1000)
                times.sort()
                p95 = times[int(len(times) * 0.95) - 1]
                print(
                    f"first byte, {label:36}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms ({requests} requests)"
                )
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--transcodes", type=int, default=30)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    print(
        f"Command: .venv/bin/python -m bench.subsonic.run --db {args.db} --seconds {args.seconds} --connections {args.connections}"
    )
    if not args.skip_load:
        part_load(args.db.resolve(), args.seconds, args.connections)
    part_transcode(args.transcodes)


if __name__ == "__main__":
    main()
