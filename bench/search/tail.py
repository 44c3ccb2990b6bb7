"""Where the slow percentiles of bench.search.run go: each query's CPU, GC pauses and statements, and a profile
of the tail alone.

    PYTHONPATH=src:. python -m bench.search.tail --db <copy of the 1M db> [--queries 500] [--top 25] [--tail 0.05]

Runs bench.search.run's warm-up and query sequence (same seed, same cache), timing each query: CPU
(`time.process_time`), the garbage collector's pauses inside it (`gc.callbacks`), the statements it sent and
the bytes of sets it read. Prints, per shape, the slowest queries with those figures; then runs the same
sequence again in the same way (a fresh cache: the sequence is deterministic, so the same queries are slow)
with cProfile switched on only for the queries that were in the tail, and prints that profile.
"""

import argparse
import cProfile
import gc
import pstats
import random
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.search.run import _cache, _search
from bench.search.shapes import SHAPES, queries
from encore.db import create_db_engine, make_sessionmaker


class _Gc:
    """Milliseconds the collector paused, and of which generations, since the last reset."""

    def __init__(self) -> None:
        self.ms, self.gens, self._t0 = 0.0, [0, 0, 0], 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.ms += (time.perf_counter() - self._t0) * 1000
            self.gens[info["generation"]] += 1

    def reset(self) -> None:
        self.ms, self.gens = 0.0, [0, 0, 0]


def _sequence(db: Path, n: int, each: Callable[[int, str, str, Callable[[], None]], None]) -> None:
    engine = create_db_engine(f"sqlite:///{db.resolve()}")
    sessions = make_sessionmaker(engine)
    cache = _cache()
    rng = random.Random(3)
    with sessions() as s:
        for _, q in queries(rng, 100):
            _search(s, q, 10, 0, cache)
    for i, (shape, q) in enumerate(queries(rng, n)):

        def run(q: str = q) -> None:
            with sessions() as s:
                _search(s, q, 10, 0, cache)

        each(i, shape, q, run)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--tail", type=float, default=0.05, help="share of each shape's slowest queries")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES))
    args = parser.parse_args()
    collector = _Gc()
    statements = [0]
    event.listen(Engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    rows: list[tuple[str, float, float, float, list[int], int, str, int]] = []

    def timed(i: int, shape: str, q: str, run: Callable[[], None]) -> None:
        collector.reset()
        before = statements[0]
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        cpu, wall = (time.process_time() - c0) * 1000, (time.perf_counter() - t0) * 1000
        rows.append((shape, cpu, wall, collector.ms, list(collector.gens), statements[0] - before, q, i))

    _sequence(args.db, args.queries, timed)
    tail: set[int] = set()
    for shape in args.shapes:
        mine = sorted((r for r in rows if r[0] == shape), key=lambda r: -r[1])
        keep = max(1, round(len(mine) * args.tail))
        tail |= {r[7] for r in mine[:keep]}
        print(
            f"\n== {shape}: slowest {keep} of {len(mine)} by CPU (cpu ms, wall ms, gc ms, gc gens, statements, query)"
        )
        for r in mine[: keep + 3]:
            print(f"  {r[1]:6.2f} {r[2]:6.2f} gc {r[3]:5.2f} {r[4]} sql {r[5]:2d} {r[6]!r}")
    pauses = [r for r in rows if r[3] > 0]
    print(f"\nqueries with a GC pause: {len(pauses)} of {len(rows)}; gen-2 in {sum(1 for r in rows if r[4][2])}")
    profiler = cProfile.Profile()

    def profiled(i: int, shape: str, q: str, run: Callable[[], None]) -> None:
        if i in tail:
            profiler.enable()
            run()
            profiler.disable()
        else:
            run()

    _sequence(args.db, args.queries, profiled)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
