"""Where one /v1/recommendations (or related-artists) request spends its CPU: cProfile over in-process requests.

    python -m bench.discovery.recommendations_profile --db /work/data/recs7/world-1m.db [--related]
        [--requests 300] [--top 30] [--save stats.prof]

bench.catalog.profile's way (the bench app through httpx's ASGI transport on one thread, FastAPI's thread-pool
hop inline) with bench.discovery.recommendations_http's URLs, each asked once first.
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import time
from pathlib import Path

import anyio.to_thread
import httpx

from bench.catalog.profile import _inline
from bench.catalog.run import SECRET
from bench.discovery.recommendations_http import recommendation_urls, related_urls
from bench.v1.run import _prepare


def bench_environment(db: Path) -> tuple[str, str]:
    """The bench app's environment on `db`, answering (and keeping answers for) https://testserver; the OAuth
    app's client id and secret."""
    _, client_id, secret = _prepare(db)
    os.environ.update(
        ENCORE_DATABASE_URL=f"sqlite:///{db}",
        ENCORE_DATA_DIR=str(db.parent / "bench-v1-data"),
        ENCORE_MODE="dev",
        ENCORE_SECRET_KEY=SECRET,
        ENCORE_PUBLIC_BASE_URL="https://testserver",  # the address asked (/v1 keeps answers for it only)
    )
    return client_id, secret


async def _run(args: argparse.Namespace) -> None:
    db = args.db.resolve()
    client_id, secret = bench_environment(db)
    from bench.catalog.serve import make_app  # after the environment: build() reads it

    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    paths = related_urls(db, args.urls) if args.related else recommendation_urls(db, args.urls)
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        token = await http.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        t0 = time.process_time()
        for path in paths:
            r = await http.get(path, headers=headers)
            assert r.status_code == 200, (path, r.text[:200])
        first = (time.process_time() - t0) * 1000 / len(paths)
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
        print(f"===== {first:.2f} ms CPU a request asked the first time (client included)")
        print(f"===== {plain:.2f} ms CPU a request unprofiled (client included)")
        if args.save:
            profiler.dump_stats(args.save)  # for pstats' print_callers
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--related", action="store_true")
    parser.add_argument("--urls", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--save", type=Path, help="also write the profile's stats here")
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
