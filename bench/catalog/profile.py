"""Where one catalogue read spends its CPU: cProfile over N in-process requests of one scenario of cpu.py.

    .venv/bin/python -m bench.catalog.profile --db var/bench-200k.db --only getAlbum [--requests 300] [--top 30]

The app of bench/catalog/serve.py (the product plus the constant route) is called through httpx's ASGI
transport on this one thread, and FastAPI's thread-pool hop for sync handlers runs inline (cProfile sees
one thread only; the hop is what the HTTP benchmark measures). Same URLs as bench.catalog.cpu, each asked
once first. Prints CPU per request and the functions with the most cumulative and own time. No extra
dependency (the standard library's cProfile).
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx

from bench.catalog.cpu import _scenarios
from bench.catalog.run import SECRET, _subsonic_key
from bench.v1.run import _prepare


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


async def _run(args: argparse.Namespace) -> None:
    db = args.db.resolve()
    track_ids, client_id, secret = _prepare(db)
    key, album_ids = _subsonic_key(db)
    os.environ.update(
        ENCORE_DATABASE_URL=f"sqlite:///{db}",
        ENCORE_DATA_DIR=str(db.parent / "bench-v1-data"),
        ENCORE_MODE="dev",
        ENCORE_SECRET_KEY=SECRET,
        ENCORE_PUBLIC_BASE_URL="https://testserver",  # the address asked below (/v1 keeps JSON for it only)
    )
    from bench.catalog.serve import make_app  # after the environment: build() reads it

    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    scenarios = _scenarios(track_ids, album_ids, key)
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        token = await http.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for name in args.only:
            paths = scenarios[name]
            for path in paths:
                r = await http.get(path, headers=headers)
                assert r.status_code == 200 and b'"failed"' not in r.content[:200], (path, r.text[:200])
            picked = [paths[i % len(paths)] for i in range(args.requests)]
            t0 = time.process_time()
            for path in picked:
                await http.get(path, headers=headers)
            plain = (time.process_time() - t0) * 1000 / len(picked)
            profiler = cProfile.Profile()
            profiler.enable()
            for path in picked:
                await http.get(path, headers=headers)
            profiler.disable()
            print(f"===== {name}: {plain:.2f} ms CPU a request unprofiled (client included)")
            if args.dump:  # for pstats' callers/callees afterwards
                profiler.dump_stats(f"{args.dump}.{name.replace('/', '_')}.prof")
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--only", nargs="+", required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--dump", help="also write each scenario's profile to <DUMP>.<name>.prof")
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
