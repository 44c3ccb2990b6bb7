"""Where each search face spends its CPU: cProfile over in-process requests with bench.catalog.run's URLs.

    PYTHONPATH=src:. python -m bench.search.faces_profile --db <copy of a 200k db> --only /api/search /v1/search search3

bench.catalog.profile with the searches of bench.catalog.run (same seeded queries, every URL asked once
first): the app of bench/catalog/serve.py through httpx's ASGI transport on one thread, the thread hop
inline, so cProfile sees the whole request. Prints CPU per request (client included) and the top functions.
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
from bench.catalog.run import SECRET, _subsonic_key, make_scenarios
from bench.search.fresh_cpu import _names, typed, urls
from bench.v1.run import _prepare


async def _run(args: argparse.Namespace) -> None:
    db = args.db.resolve()
    track_ids, client_id, secret = _prepare(db)
    key, album_ids = _subsonic_key(db)
    os.environ.update(
        ENCORE_DATABASE_URL=f"sqlite:///{db}",
        ENCORE_DATA_DIR=str(db.parent / "bench-v1-data"),
        ENCORE_MODE="dev",
        ENCORE_SECRET_KEY=SECRET,
    )
    from bench.catalog.serve import make_app  # after the environment: build() reads it

    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    scenarios = make_scenarios(track_ids, key, album_ids)
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        token = await http.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for name in ["constant JSON (floor)", *args.only]:
            paths = scenarios[name]
            if args.fresh and not name.startswith("constant"):  # mostly-new queries (bench.search.fresh_cpu)
                fresh = urls(name, typed(_names(db, 900, seed=7)), key)
                paths, picked = fresh[args.requests :], fresh[: args.requests]
            else:
                picked = [paths[i % len(paths)] for i in range(args.requests)]
            for path in paths:
                r = await http.get(path, headers=headers)
                assert r.status_code == 200 and b'"failed"' not in r.content[:200], (path, r.text[:200])
            t0 = time.process_time()
            for path in picked if not args.fresh else []:
                await http.get(path, headers=headers)
            plain = (time.process_time() - t0) * 1000 / len(picked)
            print(f"===== {name}: {plain:.2f} ms CPU a request unprofiled (client included)", flush=True)
            if name.startswith("constant") or not args.top:
                continue
            profiler = cProfile.Profile()
            profiler.enable()
            for path in picked:
                await http.get(path, headers=headers)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
            for pattern in args.callers:
                stats.print_callers(pattern)
            for pattern in args.callees:
                stats.print_callees(pattern)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--only", nargs="+", required=True)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--fresh", action="store_true", help="each query once, unseen (no unprofiled figure)")
    parser.add_argument("--callers", nargs="*", default=[], help="also print who calls these functions")
    parser.add_argument("--callees", nargs="*", default=[], help="also print what these functions call")
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
