"""Server CPU per search when the queries are mostly new: every typed prefix of many names, each asked once.

    PYTHONPATH=<tree>/src:. python -m bench.search.fresh_cpu --db <copy of a 200k db> [--seconds 6] [--names 700]

bench.catalog.server_cpu asks each face the same 500 queries over and over (after asking each once), so a
server that keeps a query's answer serves it from memory. Here each face gets its own names (artists,
albums, tracks drawn from the database, seeded) and every prefix a listener types on the way to each name
("g", "go", "gol", ... "golden hour"), deduplicated, in typing order: no URL is asked twice (the figure
says how many requests wrk sent against how many distinct URLs: a wrap-around repeats). Short prefixes
shared between names are asked once, as a real stream of listeners would ask them often. Same server,
cores and wrk as bench.catalog.run; warmed up with other names first.
"""

import argparse
import random
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

from bench.catalog.run import serving
from bench.catalog.server_cpu import FLOOR, _cpu_seconds, _wrk

ALL = "artist,album,track"


def _names(db: Path, n: int, seed: int) -> list[str]:
    con = sqlite3.connect(db)
    rng = random.Random(seed)
    out = []
    for table, column in (("artists", "name"), ("albums", "title"), ("tracks", "title")):
        top = con.execute(f"SELECT max(id) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
        ids = [rng.randint(1, top) for _ in range(n // 3)]
        out += [row[0] for i in ids for row in con.execute(f"SELECT {column} FROM {table} WHERE id = ?", (i,))]  # noqa: S608
    con.close()
    rng.shuffle(out)
    return out


def typed(names: list[str]) -> list[str]:
    """Every prefix of every name as typed, each once (a prefix ending in a space is the same query)."""
    seen: dict[str, None] = {}
    for name in names:
        for n in range(1, len(name) + 1):
            q = name[:n].lower()
            if not q.endswith(" "):
                seen.setdefault(q, None)
    return list(seen)


def urls(face: str, queries: list[str], key: str) -> list[str]:
    if face == "/api/search":
        return ["/api/search?" + urlencode({"q": q, "type": ALL, "limit": 10}) for q in queries]
    if face == "/v1/search":
        return ["/v1/search?" + urlencode({"q": q, "type": ALL, "limit": 10}) for q in queries]
    sub = {"apiKey": key, "f": "json", "v": "1.16.1", "c": "bench"}
    return [
        "/rest/search3?" + urlencode({**sub, "query": q, "artistCount": 10, "albumCount": 10, "songCount": 10})
        for q in queries
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--names", type=int, default=900, help="names per face")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--only", nargs="*", help="faces to run (default: all three, in this order, one server)")
    args = parser.parse_args()
    db = args.db.resolve()
    faces = ("/api/search", "/v1/search", "search3")
    rows = []
    with serving(db, port_base=19200) as (base, token, scenarios, proc):
        key = scenarios["search3"][0].split("apiKey=")[1].split("&")[0]
        warm = typed(_names(db, 150, seed=99))
        for face in (FLOOR, *(f for f in faces if not args.only or f in args.only)):
            paths = (
                scenarios[FLOOR] if face == FLOOR else urls(face, typed(_names(db, args.names, faces.index(face))), key)
            )
            warm_paths = scenarios[FLOOR] if face == FLOOR else urls(face, warm, key)
            _wrk(base, warm_paths, token, seconds=1, connections=args.connections)
            before = _cpu_seconds(proc.pid)
            served = _wrk(base, paths, token, seconds=args.seconds, connections=args.connections)
            ms = (_cpu_seconds(proc.pid) - before) * 1000 / max(served, 1)
            rows.append((face, served, len(paths), ms))
            print(
                f"  {face}: {served} requests, {len(paths)} distinct URLs, {ms:.2f} ms server CPU a request", flush=True
            )
    floor_ms = rows[0][3]
    print("\n| endpoint | requests | distinct URLs | req/s | server CPU ms/request | floor CPU / endpoint CPU |")
    print("|---|---|---|---|---|---|")
    for face, served, distinct, ms in rows:
        print(f"| {face} | {served} | {distinct} | {served / args.seconds:.0f} | {ms:.2f} | {floor_ms / ms:.2f} |")


if __name__ == "__main__":
    main()
