"""Server CPU per request of /v1's catalogue reads at 50 connections, against the floor in the same run (#16).

    .venv/bin/python -m bench.v1.catalogue_cpu --db <copy of var/bench-200k.db> [--seconds 6] [--ids 20]

bench.catalog.server_cpu's method (the server of bench/catalog/serve.py pinned to core 0, wrk on core 1, every
URL asked once before measuring, the server process's CPU time from /proc over the requests served; wrk's timeout
is 60 s, so a slow read's requests are counted) on the catalogue reads it does not cover: `/v1/tracks?ids=`
(`--ids` ids a request), `/v1/albums/{id}` and `/v1/artists/{id}/albums`. The floor (constant JSON) is
measured first and last. CPU a request barely moves with the machine's load, unlike requests/s, so two trees
can be compared on a shared machine: run it once per tree (PYTHONPATH=<other tree>/src:<this tree>) and
alternate.
"""

import argparse
import random
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from bench.catalog.run import serving
from bench.catalog.server_cpu import FLOOR, _cpu_seconds, _wrk


def _artists_with_albums(db: Path, n: int) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        top = conn.execute("SELECT max(id) FROM artists").fetchone()[0] or 1
        picks = sorted({random.Random(7).randint(1, top) for _ in range(n * 3)})
        marks = ",".join("?" * len(picks))
        rows = conn.execute(
            f"SELECT DISTINCT a.public_id FROM artists a JOIN album_artists aa ON aa.artist_id = a.id "  # noqa: S608 - placeholders only
            f"WHERE a.id IN ({marks}) LIMIT ?",
            [*picks, n],
        )
        return [r[0] for r in rows]


def scenarios(db: Path, base: dict[str, list[str]], per_request: int) -> dict[str, list[str]]:
    tracks = [p.rsplit("/", 1)[1] for p in base["/v1/tracks/{id}"]]
    albums = [parse_qs(urlsplit(p).query)["id"][0].removeprefix("al-") for p in base["getAlbum"]]
    rng = random.Random(3)
    several = [",".join(rng.sample(tracks, per_request)) for _ in range(1000)]
    return {
        FLOOR: base[FLOOR],
        "/v1/tracks?ids=": [f"/v1/tracks?ids={ids}" for ids in several],
        "/v1/albums/{id}": [f"/v1/albums/{a}" for a in albums],
        "/v1/artists/{id}/albums": [f"/v1/artists/{a}/albums" for a in _artists_with_albums(db, 200)],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--ids", type=int, default=20, help="track ids in each /v1/tracks?ids= request")
    parser.add_argument("--only", nargs="*", help="scenario names to run (default: all; the floor always)")
    args = parser.parse_args()
    rows = []
    with serving(args.db.resolve(), port_base=19200) as (base, token, all_scenarios, proc):
        urls = scenarios(args.db.resolve(), all_scenarios, args.ids)
        urls = {n: u for n, u in urls.items() if not args.only or n in args.only or n == FLOOR}
        warm = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        for name in [*urls, FLOOR]:
            for path in urls[name]:  # steady state: every URL asked once, each must answer 200
                r = warm.get(path)
                assert r.status_code == 200, (path, r.status_code, r.text[:200])
            _wrk(base, urls[name][:100], token, seconds=1, connections=args.connections, timeout=60)  # warm-up
            before = _cpu_seconds(proc.pid)
            served = _wrk(base, urls[name], token, seconds=args.seconds, connections=args.connections, timeout=60)
            ms = (_cpu_seconds(proc.pid) - before) * 1000 / max(served, 1)
            rows.append((name, served / args.seconds, ms))
            print(f"  {name}: {served / args.seconds:.0f} req/s, {ms:.3f} ms server CPU a request", flush=True)
    floors = [ms for name, _, ms in rows if name == FLOOR]
    print(f"\n{args.connections} connections; floor CPU first {floors[0]:.3f} ms, last {floors[-1]:.3f} ms")
    print("| endpoint | req/s | server CPU ms/request | floor CPU / endpoint CPU (cheaper floor, dearer) |")
    print("|---|---|---|---|")
    for name, rps, ms in rows[1:-1]:
        print(f"| {name} | {rps:.0f} | {ms:.3f} | {min(floors) / ms:.2f}, {max(floors) / ms:.2f} |")


if __name__ == "__main__":
    main()
