"""A 100k-row Spotify extended history imported as a job, end to end (upload saved -> job done), on SQLite.

    .venv/bin/python -m bench.history.import_job [--rows 100000]

Prints the check pass and the whole job's wall and CPU time (drain runs the job in this process), with
the machine's load.
"""

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from encore.accounts import create_user
from encore.bootstrap import build
from encore.db import transaction
from encore.jobs import drain
from encore.portability import check_history, submit_import


def rows(n: int) -> bytes:
    start = datetime(2016, 1, 1, tzinfo=UTC)
    return json.dumps(
        [
            {"ts": (start + timedelta(minutes=4 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"), "ms_played": 200_000,
             "master_metadata_track_name": f"Song {i % 4999}", "master_metadata_album_artist_name": f"Band {i % 397}",
             "master_metadata_album_album_name": f"Album {i % 811}", "incognito_mode": False,
             "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "platform": "android", "conn_country": "DE"}
            for i in range(n)
        ]
    ).encode()  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        c = build(mode="dev", data_dir=Path(tmp))
        c.migrate()
        with transaction(c.sessions) as s:
            user_id = create_user(s, username="bench", password="bench-password-1").id  # noqa: S106
        body = rows(args.rows)
        upload = Path(tmp) / "upload.json"
        upload.write_bytes(body)
        t0 = time.perf_counter()
        check_history(upload, name="Streaming_History_Audio.json", now=datetime.now(UTC))
        check_s = time.perf_counter() - t0
        t0, cpu0 = time.perf_counter(), time.process_time()
        with transaction(c.sessions) as s:
            submit_import(s, jobs=c.jobs, user_id=user_id, upload=upload, filename="Streaming_History_Audio.json")
        drain(c.jobs)
        total_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0  # the job runs in this thread
        c.close()
    print(f"rows={args.rows} bytes={len(body):,} check_pass={check_s:.2f}s job_end_to_end={total_s:.2f}s job_cpu={cpu_s:.2f}s "
          f"rows_per_s={args.rows / total_s:,.0f} load={os.getloadavg()}")  # fmt: skip


if __name__ == "__main__":
    main()
