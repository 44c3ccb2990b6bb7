"""Server CPU per request, in process: what each read costs Encore itself, next to a constant-JSON route.

    .venv/bin/python -m bench.catalog.cpu --db var/bench-200k.db [--requests 150] [--rounds 3]

The app of bench/catalog/serve.py (the product plus the constant route) is driven by Starlette's test
client in this process; each scenario's URLs are asked once (warm caches), then `--requests` of them are
timed with time.process_time (CPU of every thread of this process: routing, the thread-pool hop, the
handler, SQLite). Unlike requests/s under wrk, CPU time barely moves with the machine's load, so two
trees can be compared on a shared machine: run it once per tree (PYTHONPATH=<other tree>/src) and
alternate. The ratio floor/endpoint is the best share of the floor a one-core server could reach.
"""

import argparse
import os
import random
import time
from pathlib import Path
from urllib.parse import urlencode

from starlette.testclient import TestClient

from bench.catalog.run import SECRET, _subsonic_key
from bench.search.shapes import queries
from bench.v1.run import _prepare


def _scenarios(track_ids: list[str], album_ids: list[str], key: str) -> dict[str, list[str]]:
    rng = random.Random(5)
    words = [q for _, q in queries(rng, 300)]
    sub = {"apiKey": key, "f": "json", "v": "1.16.1", "c": "bench"}
    return {
        "constant JSON (floor)": ["/bench/const"],
        "/api/tracks/{id}": [f"/api/tracks/{i}" for i in track_ids[:300]],
        "/v1/tracks/{id}": [f"/v1/tracks/{i}" for i in track_ids[:300]],
        "ping": ["/rest/ping?" + urlencode(sub)],
        "getAlbum": ["/rest/getAlbum?" + urlencode({**sub, "id": f"al-{a}"}) for a in album_ids[:300]],
        "getAlbumList2": [
            "/rest/getAlbumList2?" + urlencode({**sub, "type": t, "size": 20, "offset": rng.randrange(0, 2000)})
            for t in ("newest", "alphabeticalByName", "alphabeticalByArtist")
            for _ in range(40)
        ],
        "search3": [
            "/rest/search3?" + urlencode({**sub, "query": w, "artistCount": 10, "albumCount": 10, "songCount": 10})
            for w in words
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db = args.db.resolve()
    track_ids, client_id, secret = _prepare(db)
    key, album_ids = _subsonic_key(db)
    os.environ.update(
        ENCORE_DATABASE_URL=f"sqlite:///{db}",
        ENCORE_DATA_DIR=str(db.parent / "bench-v1-data"),
        ENCORE_MODE="dev",
        ENCORE_SECRET_KEY=SECRET,
    )
    from bench.catalog.serve import make_app  # after the environment: build() reads it

    scenarios = _scenarios(track_ids, album_ids, key)
    with TestClient(make_app(), base_url="https://testserver") as client:
        token = client.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for paths in scenarios.values():
            for path in paths:
                r = client.get(path, headers=headers)
                assert r.status_code == 200, (path, r.status_code, r.text[:200])
                assert "failed" not in r.text[:200], (path, r.text[:200])
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, paths in scenarios.items():
                picked = [paths[i % len(paths)] for i in range(args.requests)]
                t0 = time.process_time()
                for path in picked:
                    client.get(path, headers=headers)
                ms = (time.process_time() - t0) * 1000 / len(picked)
                best[name] = min(best.get(name, ms), ms)
    floor = best["constant JSON (floor)"]
    print(f"{'endpoint':24} {'CPU ms/request (best of rounds)':>32} {'floor/endpoint':>15}")
    for name, ms in best.items():
        print(f"{name:24} {ms:32.2f} {floor / ms:15.2f}")


if __name__ == "__main__":
    main()
