"""Search latency on a large catalogue: the full service call (FTS query + loading the rows).

python bench/search/run.py --db var/bench-1m.db --queries 600
Prints p50/p95/p99 per query shape and overall.
"""

import argparse
import random
import statistics
import time
from pathlib import Path

from bench.search.generate import SYLLABLES, WORDS
from encore.catalog import search_catalogue
from encore.db import create_db_engine, make_sessionmaker

ALL = frozenset({"artist", "album", "track"})


def _queries(rng: random.Random, n: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(n):
        shape = rng.choice(["prefix2", "prefix3", "word", "two-words", "typed-syllables"])
        word = rng.choice(WORDS)
        if shape == "prefix2":
            q = word[:2]
        elif shape == "prefix3":
            q = word[:3]
        elif shape == "word":
            q = word
        elif shape == "two-words":
            q = f"{word} {rng.choice(WORDS)[:3]}"
        else:
            q = "".join(rng.choice(SYLLABLES) for _ in range(2))
        out.append((shape, q))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=600)
    args = parser.parse_args()
    engine = create_db_engine(f"sqlite:///{args.db.resolve()}")
    sessions = make_sessionmaker(engine)
    rng = random.Random(3)
    timings: dict[str, list[float]] = {}
    with sessions() as s:  # warm the page cache, as a running server would be
        for _, q in _queries(rng, 50):
            search_catalogue(s, query=q, kinds=ALL, limit=10, offset=0)
    for shape, q in _queries(rng, args.queries):
        with sessions() as s:
            t0 = time.perf_counter()
            search_catalogue(s, query=q, kinds=ALL, limit=10, offset=0)
            timings.setdefault(shape, []).append((time.perf_counter() - t0) * 1000)
    everything = [t for ts in timings.values() for t in ts]
    print("| query shape | n | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    for shape, ts in sorted(timings.items()) + [("all", everything)]:
        qs = statistics.quantiles(ts, n=100)
        print(f"| {shape} | {len(ts)} | {statistics.median(ts):.1f} | {qs[94]:.1f} | {qs[98]:.1f} |")


if __name__ == "__main__":
    main()
