"""History benchmarks: Spotify import of N rows, single ListenBrainz submissions/s, listens/s via `import`.

.venv/bin/python -m bench.history.run [--rows 100000] [--singles 2000] [--imports 50]
Uses a fresh migrated SQLite database in a temp dir; the HTTP parts go through a real uvicorn on loopback.
"""

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from tests.support.live import serve

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction, upgrade_to_head
from encore.portability import import_history


def spotify_file(path: Path, rows: int) -> None:
    rnd = random.Random(7)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    with path.open("w") as out:
        out.write("[")
        for i in range(rows):
            ts = start + timedelta(seconds=i * 211 + rnd.randint(0, 100))
            row = {
                "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "platform": "android",
                "ms_played": rnd.choice([5_000, 120_000, 200_000, 240_000]),
                "conn_country": "DE",
                "master_metadata_track_name": f"Track {rnd.randint(1, 20_000)}",
                "master_metadata_album_artist_name": f"Artist {rnd.randint(1, 2_000)}",
                "master_metadata_album_album_name": f"Album {rnd.randint(1, 5_000)}",
                "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
                "reason_start": "trackdone",
                "reason_end": "trackdone",
                "shuffle": False,
                "skipped": False,
                "offline": False,
                "incognito_mode": rnd.random() < 0.01,
            }
            out.write(("," if i else "") + json.dumps(row))
        out.write("]")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--singles", type=int, default=2_000)
    ap.add_argument("--imports", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        settings = Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work / 'b.db'}")
        c = build(settings)
        upgrade_to_head(c.engine)
        with transaction(c.sessions) as s:
            uid = create_user(s, username="bench", password="bench-pass-123").id  # noqa: S106
            token = regenerate_listen_token(s, user_id=uid, now=c.clock.now())
        history_file = work / "Streaming_History_Audio_bench.json"
        spotify_file(history_file, args.rows)
        t0 = time.perf_counter()
        report = import_history(c.sessions, user_id=uid, path=history_file, name=history_file.name, now=c.clock.now())
        took = time.perf_counter() - t0
        print(
            f"spotify import: {args.rows} rows ({history_file.stat().st_size >> 20} MiB) in {took:.2f} s "
            f"= {args.rows / took:,.0f} rows/s; imported {report.imported}, skipped {report.skipped}"
        )
        with (
            serve(c) as server,
            httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}) as h,
        ):
            now = int(time.time())
            bodies = [
                json.dumps(
                    {
                        "listen_type": "single",
                        "payload": [
                            {
                                "listened_at": now - 10 * 86400 + i,
                                "track_metadata": {"artist_name": f"A{i % 97}", "track_name": f"T{i}"},
                            }
                        ],
                    }
                )
                for i in range(args.singles)
            ]
            t0 = time.perf_counter()
            for body in bodies:
                assert h.post("/1/submit-listens", content=body).status_code == 200
            took = time.perf_counter() - t0
            print(
                f"single submissions: {args.singles} sequential on one keep-alive connection in {took:.2f} s "
                f"= {args.singles / took:,.0f}/s"
            )
            batches = [
                json.dumps(
                    {
                        "listen_type": "import",
                        "payload": [
                            {
                                "listened_at": now - 300 * 86400 + b * 1000 + i,
                                "track_metadata": {"artist_name": f"Imp {i % 50}", "track_name": f"Song {b}-{i}"},
                            }
                            for i in range(1000)
                        ],
                    }
                )
                for b in range(args.imports)
            ]
            t0 = time.perf_counter()
            for body in batches:
                assert h.post("/1/submit-listens", content=body).status_code == 200
            took = time.perf_counter() - t0
            print(
                f"import submissions: {args.imports} x 1000 listens in {took:.2f} s = {args.imports * 1000 / took:,.0f} listens/s"
            )
        c.close()


if __name__ == "__main__":
    main()
