"""CPU of loading a search page's new views: the ~30 artists, albums and tracks a new query shows.

    PYTHONPATH=<tree>/src:<this tree> python -m bench.search.views_cpu --db <copy of the 1M db> [--queries 400]

The hits are real: bench.search.run's two-word queries (same shapes, seed 7), each asked of the search engine
(`find`, no process cache) for 10 of each kind; then, per query in a new session (a pooled connection, as a
request has), the three loaders `catalog._rows` offers (`artist_summaries_by_ids`, `album_summaries_by_ids`,
`track_views_by_ids`) are timed with `time.process_time` (first: pages SQLite may not hold yet), then the same
ids at once again (again: the same pages, warm: what is left is the statements' own CPU). Prints p50/p95/p99
CPU and wall per query and the statements one load sends. Runs on any tree with those functions (run the
before tree with this tree's bench on the path).
"""

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from bench.search.run import _load_average, page_cache_share
from bench.search.shapes import queries
from encore.catalog import album_summaries_by_ids, artist_summaries_by_ids, track_views_by_ids
from encore.catalog._search import _words
from encore.catalog._search_engine import find
from encore.db import create_db_engine, make_sessionmaker

KINDS = ["artist", "album", "track"]
Ids = dict[str, list[int]]


def _hits(sessions: Callable[[], Session], n: int) -> list[Ids]:
    asked = [q for shape, q in queries(random.Random(7), n * 5) if shape == "two-words"][:n]
    out = []
    for q in asked:
        words, full = _words(q)
        with sessions() as s:
            found = find(s, words=words, full=full, kinds=KINDS, limit=10, offset=0)
        out.append({kind: found[kind].entity_ids for kind in KINDS})
    return out


def _load(s: Session, ids: Ids) -> int:
    artists = artist_summaries_by_ids(s, ids["artist"])
    albums = album_summaries_by_ids(s, ids["album"])
    tracks = track_views_by_ids(s, ids["track"])
    return len(artists) + len(albums) + len(tracks)


def _quantiles(xs: list[float]) -> str:
    q = statistics.quantiles(xs, n=100)
    return f"{statistics.median(xs):.2f} | {q[94]:.2f} | {q[98]:.2f} | {statistics.mean(xs):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--url", help="a database URL instead of --db (e.g. the PostgreSQL copy)")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    if not args.url:
        print(f"database file in the OS page cache at start: {page_cache_share(args.db):.0%}")
    engine = create_db_engine(args.url or f"sqlite:///{args.db.resolve()}")
    sessions = make_sessionmaker(engine)
    hits = _hits(sessions, args.queries)
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    print(f"load average at start: {_load_average()}")
    cpu: dict[str, list[float]] = {"first": [], "again": []}
    wall: dict[str, list[float]] = {"first": [], "again": []}
    views, sent = [], []
    for ids in hits:
        with sessions() as s:
            for phase in ("first", "again"):
                before = statements[0]
                t0, c0 = time.perf_counter(), time.process_time()
                n = _load(s, ids)
                cpu[phase].append((time.process_time() - c0) * 1000)
                wall[phase].append((time.perf_counter() - t0) * 1000)
                if phase == "first":
                    views.append(n)
                    sent.append(statements[0] - before)
    print(f"load average at end: {_load_average()}")
    print(f"{len(hits)} queries, views per query: median {statistics.median(views):.0f}, max {max(views)}")
    print(f"statements per load: median {statistics.median(sent):.0f}, max {max(sent)}")
    print("| load | CPU p50 | p95 | p99 | mean ms | wall p50 | p95 | p99 | mean ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for phase in ("first", "again"):
        print(f"| {phase} | {_quantiles(cpu[phase])} | {_quantiles(wall[phase])} |")
    engine.dispose()


if __name__ == "__main__":
    main()
