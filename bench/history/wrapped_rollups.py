"""Wrapped from monthly rollups: the backfill (fold every month with plays) and a cold decade build.

    .venv/bin/python -m bench.wrapped.generate --db var/bench-wrapped-one.db --listeners 50 --plays 2000 \\
        --heavy 200000 --start 2020-01-01 --days 2500
    .venv/bin/python -m bench.history.wrapped_rollups --db var/bench-wrapped-one.db --user 51 --period 2020s

The generator writes plays with raw SQL (no marks), so this first marks every (listener, month) as the
migration story_3 does, folds them (timed: the backfill), then runs bench.wrapped.run's cold build (which
now reads the rollups), and for reference builds the same snapshot from the raw plays.
"""

import argparse
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.wrapped.run import single
from encore import history, insights
from encore.db import create_db_engine, make_sessionmaker

MARK_ALL = (
    "INSERT INTO rollup_dirty (user_id, month, generation) SELECT DISTINCT user_id, "
    "CAST(substr(started_at, 1, 4) AS INTEGER) * 100 + CAST(substr(started_at, 6, 2) AS INTEGER), 1 FROM plays "
    "WHERE true ON CONFLICT DO NOTHING"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--user", type=int, default=51)
    parser.add_argument("--period", default="2020s")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--raw-runs", type=int, default=3, help="builds from the raw plays, for reference")
    args = parser.parse_args()
    engine = create_db_engine(f"sqlite:///{args.db}")
    sessions = make_sessionmaker(engine)
    with sessions() as s, s.begin():
        s.execute(text(MARK_ALL))
        marked = history.pending_folds(s)
    started, started_cpu = time.perf_counter(), time.process_time()
    folded = insights.fold_everyone(sessions)
    print(
        f"backfill: {folded} (listener, month) folds of {marked} marked in {time.perf_counter() - started:.1f} s "
        f"wall, {time.process_time() - started_cpu:.1f} s CPU (the database work is in this process)"
    )
    engine.dispose()
    single(args.db, user=args.user, period=args.period, runs=args.runs, profile=args.profile)
    now = datetime.now(UTC)
    period = insights.parse_period(args.period, now=now)
    raw = []
    for _ in range(args.raw_runs):
        engine = create_db_engine(f"sqlite:///{args.db}")
        with make_sessionmaker(engine)() as s:
            started = time.perf_counter()
            insights.build_snapshot(s, user_id=args.user, period=period, now=now, source=insights.PLAYS)
            raw.append((time.perf_counter() - started) * 1000)
        engine.dispose()
    print(f"reference, the same build from the raw plays: median {statistics.median(raw):.0f} ms over {len(raw)} runs")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
