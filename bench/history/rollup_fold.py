"""Wrapped's rollups folded again after a 100k-row import: the months an import marks, refolded, CPU time.

    .venv/bin/python -m bench.history.rollup_fold [--rows 100000] [--repeat 3] [--profile 25]

Imports the bench file of `bench.history.import_job` once (fixed 20,000-listen chunks, not timed), then marks
every month it spans and folds them (`insights.fold_everyone`, as the import's publish does) `--repeat` times,
printing the CPU seconds of each fold and a digest of the rollup tables (equal digests: equal rollups).
"""

import argparse
import cProfile
import hashlib
import os
import pstats
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.history.capture import database
from bench.history.import_job import write_rows
from encore import history, insights
from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.portability import import_history

TABLES = {
    "rollup_tracks": "user_id, month, track_id, text_key, listens, ms, artist_name, track_name, release_name",
    "rollup_hours": "user_id, month, day, hour, listens, ms",
}


def digest(c: object) -> str:
    out = hashlib.sha1(usedforsecurity=False)
    with transaction(c.sessions) as s:  # type: ignore[attr-defined]
        for table, columns in TABLES.items():
            for row in s.execute(text(f"SELECT {columns} FROM {table} ORDER BY {columns}")):  # noqa: S608
                out.update(repr(tuple(row)).encode())
    return out.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(Path(tmp), False) as url:
        c = build(Settings(mode="dev", data_dir=Path(tmp) / "var", database_url=url))
        c.migrate()
        with transaction(c.sessions) as s:
            user_id = create_user(s, username="bench", password="bench-password-1").id  # noqa: S106
        upload = Path(tmp) / "upload.json"
        write_rows(upload, args.rows)
        report = import_history(
            c.sessions,
            user_id=user_id,
            path=upload,
            name="Streaming_History_Audio.json",
            now=datetime.now(UTC),
            chunk=20_000,
        )
        assert report.first is not None and report.last is not None
        for _ in range(args.repeat):
            with transaction(c.sessions) as s:
                history.mark_span(s, user_id=user_id, first=report.first, last=report.last)
            prof = cProfile.Profile(time.process_time) if args.profile else None
            cpu0 = time.process_time()
            if prof is not None:
                prof.enable()
            months = insights.fold_everyone(c.sessions, user_id=user_id)
            if prof is not None:
                prof.disable()
            cpu = time.process_time() - cpu0
            print(f"fold months={months} cpu={cpu:.3f}s digest={digest(c)} load={os.getloadavg()}")
            if prof is not None:
                pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)
        c.close()


if __name__ == "__main__":
    main()
