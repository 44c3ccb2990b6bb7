"""Every search face's answers to bench.catalog.run's URLs, parsed, one JSON line each: run it once per tree
on the same database and compare the files (a change that makes search cheaper must not change an answer).

    PYTHONPATH=<tree>/src:. python -m bench.search.answers --db <copy of a 200k db> --out /tmp/answers-<tree>.jsonl
"""

import argparse
import asyncio
import json
import os
from pathlib import Path

import httpx

from bench.catalog.run import SECRET, _subsonic_key, make_scenarios
from bench.v1.run import _prepare

FACES = ("/api/search", "/v1/search", "search3")


async def _run(args: argparse.Namespace) -> None:
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

    scenarios = make_scenarios(track_ids, key, album_ids)
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        token = await http.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        with args.out.open("w") as out:
            for face in FACES:
                for path in scenarios[face][: args.limit]:
                    for again in range(2):  # cold, then warm (a kept page must answer the same)
                        r = await http.get(path, headers=headers)
                        body = r.json()
                        if face == "search3":
                            body = {k: v for k, v in body["subsonic-response"].items() if k not in ("serverVersion",)}
                        line = {"face": face, "path": path.split("apiKey=")[0], "again": again, "status": r.status_code}
                        out.write(json.dumps({**line, "body": body}, sort_keys=True) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=500)
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
