"""The Subsonic handler thread alone: CPU per call of `_run` for bench.catalog.run's getAlbumList2 URLs.

    PYTHONPATH=src:. python -m bench.catalog.list_cpu --db <copy of the 200k db> [--calls 2000] [--rounds 5]
        [--method getAlbumList2] [--profile 40]

No HTTP and no thread hop: the container of `encore serve` on the copy, and the same function the raw GET path
and the FastAPI route call on their worker thread (`web.subsonic._router._run`), with the bench's seeded URLs
(parsed as the raw path parses them). Each URL is asked once first (a running server's steady state), then
`--calls` calls are timed with time.process_time, `--rounds` times; the best round is printed, per URL family
too. CPU a call barely moves with the machine's load, so two trees can be compared: run it with
PYTHONPATH=<other tree>/src:. and alternate. `--profile N` also prints cProfile's top N (cumulative and own).
"""

import argparse
import cProfile
import os
import pstats
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from bench.catalog.run import SECRET, _subsonic_key, make_scenarios


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--method", default="getAlbumList2", help="a Subsonic scenario of bench.catalog.run")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N functions")
    args = parser.parse_args()
    db = args.db.resolve()
    key, album_ids = _subsonic_key(db)
    os.environ.update(
        ENCORE_DATABASE_URL=f"sqlite:///{db}",
        ENCORE_DATA_DIR=str(db.parent / "bench-v1-data"),
        ENCORE_MODE="dev",
        ENCORE_SECRET_KEY=SECRET,
    )
    from bench.catalog.serve import settle  # what the served process does before it serves (if the tree can)
    from encore.bootstrap import build  # after the environment: build() reads it
    from encore.web.subsonic._params import Params
    from encore.web.subsonic._router import _run

    c = build()
    urls = make_scenarios([], key, album_ids)[args.method]
    calls = []
    for url in urls:
        parts = urlsplit(url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        family = dict(params).get("type", args.method)
        calls.append((family, parts.path.removeprefix("/rest/"), params))
    for _, name, params in calls:  # steady state; every URL must answer "ok"
        body = _run(c, name, Params(params)).body
        assert b'"status":"ok"' in body, body[:300]
    settle()
    picked = [calls[i % len(calls)] for i in range(args.calls)]
    best, families = float("inf"), defaultdict(lambda: float("inf"))
    for _ in range(args.rounds):
        spent: dict[str, list[float]] = defaultdict(list)
        t0 = time.process_time()
        for family, name, params in picked:
            t = time.process_time()
            _run(c, name, Params(params))
            spent[family].append(time.process_time() - t)
        best = min(best, (time.process_time() - t0) / len(picked))
        for family, times in spent.items():
            families[family] = min(families[family], sum(times) / len(times))
    print(f"{args.method}: {best * 1e6:.0f} µs CPU a call (best of {args.rounds} rounds of {len(picked)})")
    for family, each in sorted(families.items()):
        print(f"  {family}: {each * 1e6:.0f} µs")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _, name, params in picked:
            _run(c, name, Params(params))
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    c.close()


if __name__ == "__main__":
    main()
