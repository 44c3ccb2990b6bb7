"""Wrapped of the current year and its decade, cold and right after one new play, in CPU time.

    python -m bench.wrapped.after_play --db /work/data/wrapped6/one.db --user 51 --periods 2026 2020s --runs 7

On a database made by bench.wrapped.generate and folded (bench.history.wrapped_rollups). Each timed build runs
on a fresh engine (cold connection, nothing cached in the process) and is rolled back, so runs do not see each
other's writes; what a first read stores (tallies of years, and of months on the branch) is built and committed once
before, timed apart (on a fresh copy, with the periods in the order given).
"After a new play": one play is written (through the ORM, so it marks its month) a minute after the listener's
latest play, flushed, then the read a listener makes is timed: `fold_marked` (the fold of that month and
what it drops) and `build_snapshot`, apart and together. Only APIs present on `main` since the rollups are used,
so the same file times the old code (`PYTHONPATH=<old src>:<this repo>`).
"""

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from encore.db import create_db_engine, make_sessionmaker
from encore.history import Play
from encore.insights import build_snapshot, fold_marked, parse_period


def _cpu_ms(started: float) -> float:
    return (time.process_time() - started) * 1000


def _summary(values: list[float]) -> str:
    return f"min {min(values):.0f}, median {statistics.median(values):.0f}"


def run(db: Path, *, user: int, label: str, runs: int, now: datetime) -> None:
    period = parse_period(label, now=now)
    url = f"sqlite:///{db}"
    engine = create_db_engine(url)
    with make_sessionmaker(engine)() as s:  # what a first read stores, stored once (timed apart)
        fold_marked(s, user_id=user)
        started = time.process_time()
        build_snapshot(s, user_id=user, period=period, now=now)
        s.commit()
        first = _cpu_ms(started)
    engine.dispose()
    print(f"{label} listener {user}: first read, storing the tallies it builds (if any): CPU {first:.0f} ms")
    cold, fold, after, total, wall = [], [], [], [], []
    for _ in range(runs):
        engine = create_db_engine(url)
        with make_sessionmaker(engine)() as s:
            started = time.process_time()
            build_snapshot(s, user_id=user, period=period, now=now)
            cold.append(_cpu_ms(started))
            s.rollback()
        engine.dispose()
        engine = create_db_engine(url)
        with make_sessionmaker(engine)() as s:
            last = s.scalar(select(func.max(Play.started_at)).where(Play.user_id == user))
            assert last is not None
            at = last + timedelta(minutes=1)
            s.add(Play(user_id=user, client_play_id=f"bench-{at.isoformat()}", track_id=7, started_at=at,
                       updated_at=at, ms_played=200_000, state="ended", is_listen=True))  # fmt: skip
            s.flush()
            started, started_wall = time.process_time(), time.perf_counter()
            fold_marked(s, user_id=user)
            fold.append(_cpu_ms(started))
            middle = time.process_time()
            build_snapshot(s, user_id=user, period=period, now=now)
            after.append(_cpu_ms(middle))
            total.append(_cpu_ms(started))
            wall.append((time.perf_counter() - started_wall) * 1000)
            s.rollback()
        engine.dispose()
    print(f"{label} listener {user}: cold build CPU ms {_summary(cold)}")
    print(
        f"{label} after a new play: fold CPU ms {_summary(fold)}; build {_summary(after)}; "
        f"fold + build {_summary(total)} (wall median {statistics.median(wall):.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--user", type=int, default=51)
    parser.add_argument("--periods", nargs="+", default=["2026", "2020s"])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    now = datetime.now(UTC)
    print(f"load average {os.getloadavg()}")
    for label in args.periods:
        run(args.db, user=args.user, label=label, runs=args.runs, now=now)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
