"""Where one search's CPU goes, in the very sequence bench.search.run asks (its warm-up, its queries, then its
hostile list): each phase of the queries named, the collector's pauses, the statements and views loaded.

    PYTHONPATH=<tree>/src:. python -m bench.search.deep --db <copy of the 1M db> [--queries 500] \
        [--target "'a' 50 500"] [--repeat 3]

The phases are timed by wrapping the search's own steps for the run (its preamble, a word's sets, a page's
entity ids, each kind's views), so it runs on any tree that has them. `--repeat` runs the whole sequence that
many times (a fresh cache each time: the sequence is deterministic) and prints each target every time.
"""

import argparse
import gc
import random
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

import encore.catalog._search as search
import encore.catalog._search_engine as engine_module
from bench.search.run import HOSTILE, _cache, _search, settle
from bench.search.shapes import queries
from encore.db import create_db_engine, make_sessionmaker

PHASES = ("preamble", "word sets", "entity ids", "views artist", "views album", "views track")


class _Probe:
    """CPU ms per phase, collector pauses, statements and views loaded, since the last reset."""

    def __init__(self) -> None:
        self.reset()
        gc.callbacks.append(self._gc)
        self._gc_t0 = 0.0

    def reset(self) -> None:
        self.ms: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.gc_ms, self.gc_gens, self.statements, self.views = 0.0, [0, 0, 0], 0, 0

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_t0 = time.process_time()
        else:
            self.gc_ms += (time.process_time() - self._gc_t0) * 1000
            self.gc_gens[info["generation"]] += 1

    def wrap(self, module: Any, name: str, phase: Callable[..., str]) -> None:
        inner = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            c0 = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.ms[phase(*args, **kwargs)] += (time.process_time() - c0) * 1000

        setattr(module, name, timed)


def _sequence(n: int) -> list[tuple[str, str, int, int]]:
    """(shape, query, limit, offset) in bench.search.run's order: its warm-up, its queries, its hostile list."""
    rng = random.Random(3)
    warm = [("warm-up", q, 10, 0) for _, q in queries(rng, 100)]
    asked = [(shape, q, 10, 0) for shape, q in queries(rng, n)]
    hostile = [
        ("hostile", q, limit, offset) for q in HOSTILE for limit, offset in ((10, 0), (10, 10**6), (0, 0), (50, 500))
    ]
    return warm + asked + hostile


def _print_summary(summary: dict[str, dict[str, float]]) -> None:
    print("\n| shape | new queries | CPU ms | " + " | ".join(PHASES) + " | rest |")
    print("|---|---|---|" + "---|" * len(PHASES) + "---|")
    for shape, t in summary.items():
        n, rest = t["n"], t["CPU"] - sum(t[p] for p in PHASES)
        phases = " | ".join(f"{t[p] / n:.2f}" for p in PHASES)
        print(f"| {shape} | {n:.0f} | {t['CPU'] / n:.2f} | {phases} | {rest / n:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--target", action="append", help="repr(query[:12]) limit offset, as run.py prints it")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--summary", action="store_true", help="mean CPU per phase of each shape's new queries")
    parser.add_argument("--slower-than", type=float, help="also print every query over this many CPU ms")
    args = parser.parse_args()
    targets = set(args.target or ["'a' 50 500", "'love love lo' 50 500"])
    probe = _Probe()
    probe.wrap(engine_module, "_preamble", lambda *a, **k: "preamble")
    probe.wrap(engine_module, "word_sets", lambda *a, **k: "word sets")
    probe.wrap(engine_module, "_entities", lambda *a, **k: "entity ids")
    probe.wrap(search, "views_by_ids", lambda _s, kind, *a, **k: f"views {kind}")
    loaded = [0]
    views = search.views_by_ids

    def counted(session: Any, kind: str, ids: Any, cache: Any, **kw: Any) -> Any:
        before = len(cache.views) if cache is not None else 0
        out = views(session, kind, ids, cache, **kw)
        loaded[0] += (len(cache.views) - before) if cache is not None else len(out)
        return out

    search.views_by_ids = counted  # type: ignore[assignment]
    statements = [0]
    event.listen(Engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    sequence = _sequence(args.queries)
    settle()
    print(
        "| run | query | CPU ms | wall ms | "
        + " | ".join(PHASES)
        + " | gc ms (gens) | statements | views loaded | sys ms | minor faults |"
    )
    print("|---|---|---|---|" + "---|" * len(PHASES) + "---|---|---|---|---|")
    summary: dict[str, dict[str, float]] = {}
    for run in range(args.repeat):
        sessions = make_sessionmaker(create_db_engine(f"sqlite:///{args.db.resolve()}"))
        cache = _cache()
        for shape, q, limit, offset in sequence:
            label = f"{q[:12]!r} {limit} {offset}"
            probe.reset()
            statements[0] = loaded[0] = 0
            with sessions() as s:
                r0, t0, c0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter(), time.process_time()
                _search(s, q, limit, offset, cache)
                cpu, wall = (time.process_time() - c0) * 1000, (time.perf_counter() - t0) * 1000
                r1 = resource.getrusage(resource.RUSAGE_SELF)
            if statements[0]:  # a new query (a kept page sends none)
                totals = summary.setdefault(shape, dict.fromkeys(("n", "CPU", *PHASES), 0.0))
                totals["n"] += 1
                totals["CPU"] += cpu
                for p in PHASES:
                    totals[p] += probe.ms[p]
            if label in targets or (args.slower_than is not None and cpu > args.slower_than):
                phases = " | ".join(f"{probe.ms[p]:.2f}" for p in PHASES)
                print(
                    f"| {run} | {label} | {cpu:.2f} | {wall:.2f} | {phases} | {probe.gc_ms:.2f} {probe.gc_gens} "
                    f"| {statements[0]} | {loaded[0]} | {(r1.ru_stime - r0.ru_stime) * 1000:.2f} | {r1.ru_minflt - r0.ru_minflt} |",
                    flush=True,
                )

    if args.summary:
        _print_summary(summary)


if __name__ == "__main__":
    main()
