"""How long migration import8_1 takes per million plays (issue #17), for an operator with a large `plays`.

    python -m bench.history.migration_import8 [--plays 1000000] [--postgres]

A database migrated to mixes_3 (the revision before) gets `--plays` text listens of one listener in the old form
(40-digit client play ids and match keys, half of them unmatched), written with the driver's executemany; then
`alembic upgrade import8_1` is timed (wall and this process's CPU; on PostgreSQL the server does the work).
"""

import argparse
import hashlib
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import text

from bench.history.capture import database
from encore.accounts import create_user
from encore.db import create_db_engine, make_sessionmaker, transaction
from encore.db._migrate import alembic_config


def _rows(n: int, postgres: bool, user_id: int) -> list[tuple[object, ...]]:
    start, rows = datetime(2015, 1, 1, tzinfo=UTC), []
    for i in range(n):
        at = start + timedelta(seconds=97 * i)
        key = hashlib.sha1(f"artist {i % 500}\x1fsong {i % 20000}".encode(), usedforsecurity=False).hexdigest()
        pid = "lb-" + hashlib.sha256(f"{int(at.timestamp())}\x1f{key}".encode()).hexdigest()[:40]
        stamp = at if postgres else at.replace(tzinfo=None).isoformat(" ", "microseconds")
        rows.append((user_id, pid, stamp, stamp, 0, "ended", False, "import", True, f"Artist {i % 500}",
                     f"Song {i % 20000}", key if i % 2 else None))  # fmt: skip
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plays", type=int, default=1_000_000)
    ap.add_argument("--postgres", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(Path(tmp), args.postgres) as url:
        engine = create_db_engine(url)
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "mixes_3")
        mark = "%s" if args.postgres else "?"
        insert = (
            "INSERT INTO plays (user_id, client_play_id, started_at, updated_at, ms_played, state, shuffle, source, "  # noqa: S608 - constant columns
            f"is_listen, artist_name, track_name, match_key) VALUES ({', '.join([mark] * 12)})"
        )
        with transaction(make_sessionmaker(engine)) as s:
            user_id = create_user(s, username="migrated", password="migrated-pass-1").id  # noqa: S106
        with engine.begin() as conn:
            rows = _rows(args.plays, args.postgres, user_id)
            for start in range(0, len(rows), 100_000):
                conn.exec_driver_sql(insert, rows[start : start + 100_000])
        t0, c0 = time.perf_counter(), time.process_time()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "import8_1")
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        with engine.connect() as conn:
            short = conn.execute(text("SELECT count(*) FROM plays WHERE length(client_play_id) = 19")).scalar()
        engine.dispose()
    print(f"{engine.dialect.name}: upgrade import8_1 on {args.plays:,} plays ({short:,} ids cut): {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU in this process = {wall * 1e6 / args.plays:.1f} s per million plays")  # fmt: skip


if __name__ == "__main__":
    main()
