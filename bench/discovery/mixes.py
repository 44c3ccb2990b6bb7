"""Every listener's mixes: `discovery.build_all` (the daily `discovery.mixes` job) on a trained database.

`python -m bench.discovery.mixes [--tracks 5000] [--listeners 500] [--plays 60] [--profile N]` reuses radio's
rows-only SQLite world (10 genres, listeners from 20 taste groups, some releases in the last four weeks), trains
the recommender, then times one full run (Daily Mixes, Discover Weekly, Release Radar for every listener).
Prints wall and CPU time (`time.process_time`: this process alone, what a shared machine inflates least),
listeners per CPU second and the projection to 10,000 listeners. `--profile N` prints cProfile's top N
functions of the run instead. Target (issue #19): 10k listeners / 50M plays <= 5 min.
"""

import argparse
import cProfile
import os
import pstats
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import update

from bench.discovery.radio import NOW, _generate
from encore import discovery
from encore.bootstrap import build
from encore.catalog import Album
from encore.config import Settings
from encore.db import transaction


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tracks", type=int, default=5000)
    p.add_argument("--listeners", type=int, default=500)
    p.add_argument("--plays", type=int, default=60)
    p.add_argument("--profile", type=int, default=0, help="print cProfile's top N (cumulative)")
    args = p.parse_args()
    rng = random.Random(19)
    with tempfile.TemporaryDirectory() as tmp:
        c = build(Settings(mode="dev", data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/mixes.db"))
        c.migrate()
        _generate(c, args, rng)
        with transaction(c.sessions) as s:  # one album in 25 is new, so Release Radar has something
            s.execute(update(Album).where(Album.id % 25 == 0).values(release_date=NOW.date()))
        print(f"load average before: {os.getloadavg()}")
        profile = cProfile.Profile() if args.profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        stats = discovery.build_all(c.sessions, now=NOW)
        if profile:
            profile.disable()
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"load average after: {os.getloadavg()}")
        c.close()
    n = stats["listeners"]
    print(
        f"mixes for {n} listeners ({stats['mixes']} mixes): wall {took:.1f} s, CPU {cpu:.1f} s"
        f" = {cpu / n * 1000:.0f} ms CPU per listener; 10,000 listeners at this CPU rate:"
        f" {10_000 * cpu / n / 60:.1f} min on one core"
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
