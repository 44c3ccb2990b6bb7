"""Where one search's CPU goes, in the very sequence bench.search.run asks (its warm-up, its queries, then its
hostile list): each phase of the queries named, the collector's pauses, the statements and views loaded.

    PYTHONPATH=<tree>/src:. python -m bench.search.deep --db <copy of the 1M db> [--queries 500] \
        [--target "'a' 50 500"] [--repeat 3]
    ... --url postgresql+psycopg://...   (the PostgreSQL copy, bench.search.to_postgres: each phase's
        server CPU too, bench.search.server)

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
from bench.search.server import ServerClock
from bench.search.shapes import queries
from encore.db import create_db_engine, make_sessionmaker, transaction

PHASES = ("preamble", "word sets", "entity ids", "views artist", "views album", "views track")


class _Probe:
    """CPU ms per phase, collector pauses, statements and views loaded, since the last reset."""

    def __init__(self) -> None:
        self.reset()
        gc.callbacks.append(self._gc)
        self._gc_t0 = 0.0
        self.server: ServerClock | None = None

    def reset(self) -> None:
        self.ms: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.server_ms: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.gc_ms, self.gc_gens, self.statements, self.views = 0.0, [0, 0, 0], 0, 0
        self.statements_seen = 0

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_t0 = time.process_time()
        else:
            self.gc_ms += (time.process_time() - self._gc_t0) * 1000
            self.gc_gens[info["generation"]] += 1

    def wrap(self, module: Any, name: str, phase: Callable[..., str]) -> None:
        inner = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            c0, s0 = time.process_time(), self.server.ns() if self.server else 0
            try:
                return inner(*args, **kwargs)
            finally:
                self.ms[phase(*args, **kwargs)] += (time.process_time() - c0) * 1000
                if self.server:
                    self.server_ms[phase(*args, **kwargs)] += self.server.since(s0)

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


def _print_summary(summary: dict[str, dict[str, float]], server: bool) -> None:
    print("\n| shape | new queries | CPU ms | " + " | ".join(PHASES) + " | rest |")
    print("|---|---|---|" + "---|" * len(PHASES) + "---|")
    for shape, t in summary.items():
        n, rest = t["n"], t["CPU"] - sum(t[p] for p in PHASES)
        phases = " | ".join(f"{t[p] / n:.2f}" for p in PHASES)
        print(f"| {shape} | {n:.0f} | {t['CPU'] / n:.2f} | {phases} | {rest / n:.2f} |")
    if server:
        print("\nThe server's CPU (PostgreSQL backend), mean ms a new query:")
        print("\n| shape | new queries | server ms | " + " | ".join(PHASES) + " |")
        print("|---|---|---|" + "---|" * len(PHASES))
        for shape, t in summary.items():
            n = t["n"]
            phases = " | ".join(f"{t['server ' + p] / n:.2f}" for p in PHASES)
            print(f"| {shape} | {n:.0f} | {t['server'] / n:.2f} | {phases} |")


def _record(summary: dict[str, dict[str, float]], shape: str, cpu: float, on_server: float, probe: _Probe) -> None:
    if not probe.statements_seen:  # a kept page sends none: only new queries count
        return
    keys = ("n", "CPU", "server", *PHASES, *(f"server {p}" for p in PHASES))
    totals = summary.setdefault(shape, dict.fromkeys(keys, 0.0))
    totals["n"] += 1
    totals["CPU"] += cpu
    totals["server"] += on_server
    for p in PHASES:
        totals[p] += probe.ms[p]
        totals[f"server {p}"] += probe.server_ms[p]


def _print_one(
    run: int,
    label: str,
    times: tuple[float, float, float],
    probe: _Probe,
    *,
    statements: int,
    loaded: int,
    usage: tuple[Any, Any],
) -> None:
    cpu, wall, on_server = times
    r0, r1 = usage
    with_server = probe.server is not None and probe.server.active
    phases = " | ".join(f"{probe.ms[p]:.2f}" + (f" +{probe.server_ms[p]:.2f}" if with_server else "") for p in PHASES)
    print(
        f"| {run} | {label} | {cpu:.2f} | {wall:.2f} | {on_server:.2f} | {phases} "
        f"| {probe.gc_ms:.2f} {probe.gc_gens} | {statements} | {loaded} "
        f"| {(r1.ru_stime - r0.ru_stime) * 1000:.2f} | {r1.ru_minflt - r0.ru_minflt} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path)
    parser.add_argument("--url", help="a database URL instead of --db (e.g. the PostgreSQL copy)")
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
        "| run | query | CPU ms | wall ms | server ms | "
        + " | ".join(PHASES)
        + " | gc ms (gens) | statements | views loaded | sys ms | minor faults |"
    )
    print("|---|---|---|---|---|" + "---|" * len(PHASES) + "---|---|---|---|---|")
    summary: dict[str, dict[str, float]] = {}
    url = args.url or f"sqlite:///{args.db.resolve()}"
    for run in range(args.repeat):
        engine = create_db_engine(url)
        server = probe.server = ServerClock(engine)
        sessions = make_sessionmaker(engine)
        cache = _cache()
        for shape, q, limit, offset in sequence:
            label = f"{q[:12]!r} {limit} {offset}"
            probe.reset()
            statements[0] = loaded[0] = 0
            with transaction(sessions) as s:  # committed, as the request edge does (bench.search.run)
                r0, t0, c0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter(), time.process_time()
                s0 = server.ns()
                _search(s, q, limit, offset, cache)
                cpu, wall = (time.process_time() - c0) * 1000, (time.perf_counter() - t0) * 1000
                on_server = server.since(s0)
                r1 = resource.getrusage(resource.RUSAGE_SELF)
            probe.statements_seen = statements[0]
            _record(summary, shape, cpu, on_server, probe)
            if label in targets or (args.slower_than is not None and cpu + on_server > args.slower_than):
                _print_one(
                    run,
                    label,
                    (cpu, wall, on_server),
                    probe,
                    statements=statements[0],
                    loaded=loaded[0],
                    usage=(r0, r1),
                )

    if args.summary:
        _print_summary(summary, server=bool(args.url and args.url.startswith("postgresql")))


if __name__ == "__main__":
    main()
