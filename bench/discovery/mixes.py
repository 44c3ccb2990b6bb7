"""Every listener's mixes: `discovery.build_all` (the daily `discovery.mixes` job) on a trained database.

`python -m bench.discovery.mixes [--tracks 5000] [--listeners 500] [--plays 60] [--parts N] [--profile N]` reuses
radio's rows-only SQLite world (10 genres, listeners from 20 taste groups, some releases in the last four weeks), trains
the recommender, then times one full run (Daily Mixes, Discover Weekly, Release Radar for every listener).
Prints wall and CPU time (`time.process_time`: this process alone, what a shared machine inflates least),
CPU per listener and the projection to 10,000 listeners. `--parts N` runs the daily job's N parts in N
processes at once (CPU summed over them); `--profile N` prints cProfile's top N functions of a one-part run.
Target (issue #19): 10k listeners / 50M plays <= 5 min.

On a world made by `bench.discovery.world` (e.g. /work/data/world-50m.db): `--db PATH --of 40 --parts 1` builds
part 0 of 40 (every 40th listener) in place, `--parts 2` parts 0 and 1 of 40 in two processes at once; the mixes
of those parts are deleted first, so every run builds them all again. The projection is per listener.
"""

import argparse
import cProfile
import multiprocessing
import os
import pstats
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, delete, update

from bench.discovery.radio import NOW, _generate
from encore import discovery
from encore.bootstrap import build
from encore.catalog import Album
from encore.config import Settings
from encore.db import transaction
from encore.discovery import Mix


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tracks", type=int, default=5000)
    p.add_argument("--listeners", type=int, default=500)
    p.add_argument("--plays", type=int, default=60)
    p.add_argument("--profile", type=int, default=0, help="print cProfile's top N (cumulative; with --parts 1)")
    p.add_argument("--parts", type=int, default=1, help="build the job's parts in this many processes at once")
    p.add_argument("--db", type=Path, help="an existing trained world (bench.discovery.world): build there")
    p.add_argument("--of", type=int, default=0, help="with --db: split listeners in this many parts (default --parts)")
    args = p.parse_args()
    if args.db:
        _existing(args)
        return
    rng = random.Random(19)
    with tempfile.TemporaryDirectory() as tmp:
        c = build(Settings(mode="dev", data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/mixes.db"))
        c.migrate()
        _generate(c, args, rng)
        with transaction(c.sessions) as s:  # one album in 25 is new, so Release Radar has something
            s.execute(update(Album).where(Album.id % 25 == 0).values(release_date=NOW.date()))
        c.close()
        url = f"sqlite:///{tmp}/mixes.db"
        print(f"load average before: {os.getloadavg()}")
        profile = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profile:
            profile.enable()
        if args.parts == 1:
            results = [_part(url, tmp, 0, 1)]
        else:  # the daily job's parts, each in its own process (as several `encore worker` processes run them)
            with multiprocessing.get_context("fork").Pool(args.parts) as pool:
                results = pool.starmap(_part, [(url, tmp, part, args.parts) for part in range(args.parts)])
        if profile:
            profile.disable()
        took = time.perf_counter() - started
        print(f"load average after: {os.getloadavg()}")
    n, mixes, cpu = (sum(r[i] for r in results) for i in range(3))
    print(
        f"mixes for {n} listeners ({mixes} mixes) in {args.parts} part(s): wall {took:.1f} s, CPU {cpu:.1f} s"
        f" (summed over parts) = {cpu / n * 1000:.0f} ms CPU per listener; 10,000 listeners at this CPU rate:"
        f" {10_000 * cpu / n / 60:.1f} CPU-min"
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


def _existing(args: argparse.Namespace) -> None:
    of = args.of or args.parts
    url = f"sqlite:///{args.db}"
    engine = create_engine(url)
    with engine.begin() as conn:  # a fresh run: the mixes of these parts are due again
        for part in range(args.parts):
            conn.execute(delete(Mix).where(Mix.user_id % of == part))
    engine.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"load average before: {os.getloadavg()}", flush=True)
        started = time.perf_counter()
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            results = [_part(url, tmp, 0, of)]
            profile.disable()
        else:
            with multiprocessing.get_context("fork").Pool(args.parts) as pool:
                results = pool.starmap(_part, [(url, tmp, part, of) for part in range(args.parts)])
        took = time.perf_counter() - started
        print(f"load average after: {os.getloadavg()}", flush=True)
    n, mixes, cpu = (sum(r[i] for r in results) for i in range(3))
    print(
        f"parts 0-{args.parts - 1} of {of} ({n} listeners, {mixes} mixes) in {args.parts} process(es): wall {took:.1f} s,"
        f" CPU {cpu:.1f} s summed = {cpu / n * 1000:.0f} ms CPU per listener; per part CPU"
        f" {[round(r[2], 1) for r in results]}; 10,000 listeners at this rate: {10_000 * cpu / n / 60:.1f} CPU-min"
    )
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)


def _part(url: str, tmp: str, part: int, parts: int) -> tuple[int, int, float]:
    """One part of the run on its own container: (listeners, mixes, CPU seconds of this process)."""
    c = build(Settings(mode="dev", data_dir=Path(tmp), database_url=url))
    cpu = time.process_time()
    stats = discovery.build_all(c.sessions, now=NOW, part=part, parts=parts)
    cpu = time.process_time() - cpu
    c.close()
    return stats["listeners"], stats["mixes"], cpu


if __name__ == "__main__":
    main()
