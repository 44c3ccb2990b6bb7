"""/v1's CPU per request in process, next to the constant-JSON floor: the figure to alternate between trees.

    .venv/bin/python -m bench.v1.cpu --db var/bench-200k.db [--requests 300] [--rounds 5]

bench.catalog.cpu's method (Starlette's test client in this process, every URL asked once first, the best of
`--rounds` of time.process_time over `--requests` URLs: every thread of the process, the client included) on
bench.catalog.run's own URL families for `/v1/tracks/{id}` and `/v1/search`, so the same queries as the HTTP
benchmark. Run it once per tree (PYTHONPATH=<other tree>/src:<this tree>) and alternate; `--hosts` adds the
same reads sent with made-up Host headers (answered, never kept: web/_spliced.kept).
"""

import argparse
import os
import time
from pathlib import Path

from starlette.testclient import TestClient

from bench.catalog.run import SECRET, _subsonic_key, make_scenarios
from bench.v1.run import _prepare

FLOOR = "constant JSON (floor)"
NAMES = (FLOOR, "/v1/tracks/{id}", "/v1/search")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--hosts", action="store_true", help="also the reads with made-up Host headers")
    args = parser.parse_args()
    db = args.db.resolve()
    track_ids, client_id, secret = _prepare(db)
    key, album_ids = _subsonic_key(db)
    os.environ.update(
        ENCORE_DATABASE_URL=f"sqlite:///{db}",
        ENCORE_DATA_DIR=str(db.parent / "bench-v1-data"),
        ENCORE_MODE="dev",
        ENCORE_SECRET_KEY=SECRET,
        ENCORE_PUBLIC_BASE_URL="https://testserver",  # the test client's address
    )
    from bench.catalog.serve import make_app  # after the environment: build() reads it

    every = make_scenarios(track_ids, key, album_ids)
    scenarios = {name: every[name] for name in NAMES}
    with TestClient(make_app(), base_url="https://testserver") as client:
        token = client.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        runs = [(name, paths, {}) for name, paths in scenarios.items()]
        if args.hosts:
            runs += [(f"{n} (made-up Hosts)", scenarios[n], {"Host": "x"}) for n in NAMES[1:]]
        for _, paths, extra in runs:
            for path in paths:
                r = client.get(path, headers={**bearer, **extra})
                assert r.status_code == 200, (path, r.status_code, r.text[:200])
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, paths, extra in runs:
                picked = [paths[i % len(paths)] for i in range(args.requests)]
                hosts = [{**bearer, **extra, "Host": f"h{i}.example"} if extra else bearer for i in range(len(picked))]
                t0 = time.process_time()
                for path, headers in zip(picked, hosts, strict=True):
                    client.get(path, headers=headers)
                ms = (time.process_time() - t0) * 1000 / len(picked)
                best[name] = min(best.get(name, ms), ms)
    floor = best[FLOOR]
    print(f"{'endpoint':36} {'CPU ms/request (best of rounds)':>32} {'floor/endpoint':>15}")
    for name, ms in best.items():
        print(f"{name:36} {ms:32.2f} {floor / ms:15.2f}")


if __name__ == "__main__":
    main()
