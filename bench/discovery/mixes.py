"""Every listener's mixes: `discovery.build_all` (the daily `discovery.mixes` job) on a trained database.

`python -m bench.discovery.mixes [--tracks 5000] [--listeners 500] [--plays 60]` reuses radio's rows-only
SQLite world (10 genres, listeners from 20 taste groups, some releases in the last four weeks), trains the
recommender, then times one full run (Daily Mixes, Discover Weekly, Release Radar for every listener).
Prints listeners per second and the projection to 10,000 listeners. Target (issue #19): 10k listeners / 50M
plays <= 5 min.
"""

import argparse
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
    args = p.parse_args()
    rng = random.Random(19)
    with tempfile.TemporaryDirectory() as tmp:
        c = build(Settings(mode="dev", data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/mixes.db"))
        c.migrate()
        _generate(c, args, rng)
        with transaction(c.sessions) as s:  # one album in 25 is new, so Release Radar has something
            s.execute(update(Album).where(Album.id % 25 == 0).values(release_date=NOW.date()))
        started = time.perf_counter()
        stats = discovery.build_all(c.sessions, now=NOW)
        took = time.perf_counter() - started
        c.close()
    rate = stats["listeners"] / took
    print(
        f"mixes for {stats['listeners']} listeners ({stats['mixes']} mixes) in {took:.1f} s: {rate:.0f} listeners/s;"
        f" 10,000 listeners at this rate: {10_000 / rate / 60:.1f} min on one process"
    )


if __name__ == "__main__":
    main()
