"""CPU time of the byte path per request, without HTTP: Premium vs a counted free listener, in memory and Redis.

Drives `BytePath.serve` directly (an ASGI call with a send that drops the body) for 64 KiB Range requests and
whole files of 4 MiB, over 64 tracks a free listener holds open plays of, counted as production counts them
(the ad clock's tap, a verified-stream count and its record). Reports CPU microseconds of this process per
request (`time.process_time`; a shared machine inflates wall time, not this), so counting's cost is read as
the difference to Premium in the same run; with `--redis`, redis-server's own CPU per request beside it (the
block's Lua runs there). With `--profile`, the cProfile of the counted Range loop.

    .venv/bin/python -m bench.stream.counted [--requests 4000] [--redis] [--profile] [--concurrency 1]

`--concurrency N` keeps N range requests in flight (one event loop, as one worker under N clients): with Redis,
the charges asked for in one tick go in one call (`encore.state._group`), which a sequential loop never shows.
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import redis

from bench.stream.wiring import DURATION_MS, counted_path
from encore.kernel import new_public_id
from encore.state import MemoryState, RedisState, SharedState
from encore.streaming import MediaFile, media_file_for
from encore.web._byte_path import BytePath

SIZE, SPAN = 4 * 1024 * 1024, 64 * 1024


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a unix socket (as bench/scale starts one)."""
    work = Path(tempfile.mkdtemp(prefix="bench-counted-redis-"))
    sock = work / "r.sock"
    proc = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "", "--dir", str(work)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def _redis_cpu_s(url: str) -> float:
    """redis-server's own CPU time so far (its Lua runs there, not in this process)."""
    client = redis.Redis.from_url(url)
    try:
        info = client.info("cpu")
    finally:
        client.close()
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _path(state: SharedState | None, user: str, tracks: list[str]) -> BytePath:
    """No state: Premium as this bench has always measured it, nothing counted (the difference is counting's
    cost). Else a free listener wired as `bench.stream.app` wires one (`bench.stream.wiring`)."""
    if state is None:
        return BytePath()
    return counted_path(state, user=user, tracks=tracks, secret=b"bench" * 8)


async def _drive(
    path: BytePath, user: str, media: dict[str, MediaFile], ranges: list[tuple[str, int]], concurrency: int = 1
) -> int:
    """Serve `ranges` in order from `concurrency` requests in flight at once (as many clients would)."""
    sent = 0
    todo = iter(ranges)

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal sent
        sent += len(message.get("body", b""))

    async def client() -> None:
        for track, start in todo:
            headers = [] if start < 0 else [(b"range", b"bytes=%d-%d" % (start, start + SPAN - 1))]
            scope = {"type": "http", "method": "GET", "headers": headers}
            await path.serve(
                scope, receive, send, method="GET", user=user, track=track, rendition="vorbis160", media=media[track]
            )

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return sent


def _cpu_us(
    path: BytePath, user: str, media: dict[str, MediaFile], ranges: list[tuple[str, int]], concurrency: int = 1
) -> float:
    t0 = time.process_time()
    asyncio.run(_drive(path, user, media, ranges, concurrency))
    return (time.process_time() - t0) / len(ranges) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--redis", action="store_true", help="also with Redis state (a redis-server of its own)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--concurrency", type=int, default=1, help="64 KiB range requests in flight at once")
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="bench-counted-") as tmp:
        tracks = [new_public_id() for _ in range(64)]
        media: dict[str, MediaFile] = {}
        for t in tracks:
            p = Path(tmp) / f"{t}.ogg"
            p.write_bytes(os.urandom(SIZE))
            found = media_file_for(p)
            assert found is not None
            media[t] = replace(found, duration_ms=DURATION_MS)
        ranges = [(rng.choice(tracks), rng.randrange(0, SIZE - SPAN)) for _ in range(args.requests)]
        wholes = [(rng.choice(tracks), -1) for _ in range(max(1, args.requests // 64))]
        states: list[tuple[str, Any]] = [("premium", None), ("free, memory state", MemoryState)]
        with redis_server() as url:
            if args.redis:
                states.append(("free, Redis state", lambda: RedisState(url, prefix=f"b{rng.random()}:")))
            for name, make in states:
                user = new_public_id()
                path = _path(None if make is None else make(), user, tracks)
                _cpu_us(path, user, media, ranges[:200])  # warm-up (fds open, imports done)
                if args.profile and make is not None and (args.redis is False or "Redis" in name):
                    prof = cProfile.Profile(time.process_time)  # CPU, not a loaded machine's wall
                    prof.enable()
                redis_before = _redis_cpu_s(url)
                r_us = _cpu_us(path, user, media, ranges, args.concurrency)
                redis_us = (_redis_cpu_s(url) - redis_before) / len(ranges) * 1e6
                if args.profile and make is not None and (args.redis is False or "Redis" in name):
                    prof.disable()
                    print(f"--- profile: {name}, 64 KiB ranges")
                    pstats.Stats(prof).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(
                        int(os.environ.get("BENCH_LINES", "30"))
                    )
                w_us = _cpu_us(path, user, media, wholes)
                on_redis = f"   (redis-server: {redis_us:6.1f} us CPU/range request)" if "Redis" in name else ""
                print(
                    f"{name:22} 64 KiB range {r_us:8.1f} us CPU/request   whole file {w_us:9.1f} us CPU/request{on_redis}"
                )
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
