"""/v1 search with field filters on a large catalogue: each query a filter set the process has not seen.

PYTHONPATH=src:. .venv/bin/python -m bench.search.filters --db var/bench-400k.db [--queries 40] [--url ...]

What review15 measured: a text filter (`track:love`) read its field across every doc of the kind, once per
distinct filter set, and any app can send distinct ones. Each query here is parsed by /v1's own parser
(`catalog.parse_search_query`) and answered by `catalog.search_catalogue` with one process cache, as a
serving worker's (warmed first by 100 plain searches and one filtered query, so a kind's terms are read before
the clock runs, as they are once per process); every query's filters are new to that cache, so what is timed is
the filters' own read, never a kept page. Shapes: spotipy's `track:<word>`, `artist:<word> track:<word>`,
`album:<word>`, a word's inside (`track:<3 letters from its middle>`), one letter, and words with a filter;
`hostile6` is six filters of distinct two-letter fragments (what a hostile app can vary on every request).
Prints p50/p95 wall and CPU ms per query shape (`time.process_time`: steadier on a shared machine), and the
load average before and after. Old code: run the same file with PYTHONPATH pointing at an older tree's src.
"""

import argparse
import os
import random
import statistics
import string
import time
from datetime import date
from pathlib import Path

from bench.search.words import SYLLABLES, WORDS
from encore.catalog import CatalogueCache, parse_search_query, search_catalogue
from encore.db import create_db_engine, make_sessionmaker, transaction
from encore.state import MemoryState

ALL = frozenset({"artist", "album", "track"})
SHAPES = ("track:word", "artist+track", "album:word", "track:inside", "track:letter", "words+artist", "hostile6")
FIELDS = ("track", "artist", "album")


def _words(rng: random.Random, n: int) -> list[str]:
    """Distinct words the titles hold: the generator's common words, then its syllable words (2-3 syllables)."""
    out = dict.fromkeys(w for w in WORDS if len(w) >= 5)
    while len(out) < n:
        out["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))] = None
    words = list(out)
    rng.shuffle(words)
    return words


def _queries(rng: random.Random, n: int) -> dict[str, list[tuple[str, frozenset[str]]]]:
    pick = iter(_words(rng, 8 * n))
    letters = iter(rng.sample(string.ascii_lowercase + string.digits, len(string.ascii_lowercase + string.digits)))
    tracks = frozenset({"track"})
    out: dict[str, list[tuple[str, frozenset[str]]]] = {shape: [] for shape in SHAPES}
    for i in range(n):
        out["track:word"].append((f"track:{next(pick)}", tracks))
        out["artist+track"].append((f"artist:{next(pick)} track:{next(pick)}", tracks))
        out["album:word"].append((f"album:{next(pick)}", frozenset({"album", "track"})))
        word = next(pick)  # two fragments from a word's inside: a new filter set each time
        out["track:inside"].append((f"track:{word[1:4]} track:{word[-3:]}", tracks))
        if i < 12:  # few letters exist: each one once
            out["track:letter"].append((f"track:{next(letters)}", tracks))
        out["words+artist"].append((f"{next(pick)[:3]} artist:{next(pick)}", ALL))
        pairs = rng.sample([a + b for a in string.ascii_lowercase for b in string.ascii_lowercase], 6)
        out["hostile6"].append((" ".join(f"{FIELDS[j % 3]}:{pair}" for j, pair in enumerate(pairs)), tracks))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path)
    parser.add_argument("--url")
    parser.add_argument("--queries", type=int, default=40, help="per shape")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    engine = create_db_engine(args.url or f"sqlite:///{args.db.resolve()}")
    sessions = make_sessionmaker(engine)
    cache = CatalogueCache(MemoryState())
    today = date(2026, 12, 4)
    print("load before:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    rng = random.Random(args.seed)
    with transaction(sessions) as s:  # a worker that has served plain searches, then one filtered query
        for word in rng.choices(WORDS, k=100):
            search_catalogue(s, query=word[:4], kinds=ALL, limit=10, offset=0, cache=cache)
    with transaction(sessions) as s:  # the process's first filters: the new code reads the three kinds' terms here
        t0, c0 = time.perf_counter(), time.process_time()
        q = parse_search_query("track:warm artist:warm album:warm", today=today)
        search_catalogue(s, query=q.text, kinds=ALL, limit=10, offset=0, cache=cache, filters=q.filters)
        first = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    print(f"first filtered query of the process: {first[0]:.0f} ms wall, {first[1]:.0f} ms CPU")
    wall: dict[str, list[float]] = {shape: [] for shape in SHAPES}
    cpu: dict[str, list[float]] = {shape: [] for shape in SHAPES}
    found: dict[str, int] = dict.fromkeys(SHAPES, 0)
    shaped = _queries(rng, args.queries)
    for i in range(args.queries):  # the shapes interleaved, so a load swing touches them all alike
        for shape in SHAPES:
            if i >= len(shaped[shape]):
                continue
            text, kinds = shaped[shape][i]
            with transaction(sessions) as s:
                t0, c0 = time.perf_counter(), time.process_time()
                q = parse_search_query(text, today=today)
                r = search_catalogue(s, query=q.text, kinds=kinds, limit=20, offset=0, cache=cache, filters=q.filters)
                wall[shape].append((time.perf_counter() - t0) * 1000)
                cpu[shape].append((time.process_time() - c0) * 1000)
                found[shape] += r.tracks.total + r.albums.total + r.artists.total
    print("| shape | n | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | CPU mean ms | found (sum of totals) |")
    print("|---|---|---|---|---|---|---|---|")
    for shape in SHAPES:
        ts, cs = wall[shape], cpu[shape]
        if len(ts) < 2:
            continue
        q95, c95 = statistics.quantiles(ts, n=20)[18], statistics.quantiles(cs, n=20)[18]
        print(
            f"| {shape} | {len(ts)} | {statistics.median(ts):.1f} | {q95:.1f} | {statistics.median(cs):.1f} "
            f"| {c95:.1f} | {statistics.mean(cs):.1f} | {found[shape]} |"
        )
    print("load after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
