"""Wrapped benchmarks on a database made by bench.wrapped.generate.

single: one listener's decade Wrapped, cold (a new engine and connection per run, no snapshot stored; the
        year tallies are built and stored once first, timed apart, and a read after a new play is timed too):
        `python -m bench.wrapped.run single --db var/bench-wrapped-one.db --user 51 --period 2020s`
batch:  `encore wrapped build --year 2024` for everyone, as a subprocess, wall time:
        `python -m bench.wrapped.run batch --db var/bench-wrapped-1k.db --period 2024`
"""

import argparse
import cProfile
import os
import pstats
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from encore import history
from encore.db import create_db_engine, make_sessionmaker
from encore.history import Play
from encore.insights import Period, build_snapshot, fold_marked, parse_period

STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite


def single(db: Path, *, user: int, period: str, runs: int, profile: bool) -> None:
    now = datetime.now(UTC)
    parsed = parse_period(period, now=now)
    timings, cpu = [], []  # CPU time of the build too: on a loaded machine wall time mostly measures waiting
    snap = None
    if parsed.kind == "decade":
        _first_decade(db, user=user, period=parsed, now=now)
    for _ in range(runs):
        engine = create_db_engine(f"sqlite:///{db}")  # cold: a fresh connection with an empty page cache
        sessions = make_sessionmaker(engine)
        with sessions() as s:
            started, started_cpu = time.perf_counter(), time.process_time()
            snap = build_snapshot(s, user_id=user, period=parsed, now=now)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        engine.dispose()
    floor = []
    for _ in range(runs):  # reference, same run: the cheapest possible read of the same plays
        engine = create_db_engine(f"sqlite:///{db}")
        with make_sessionmaker(engine)() as s:
            started = time.perf_counter()
            s.execute(
                select(func.count(), func.sum(Play.ms_played)).where(
                    Play.user_id == user, Play.started_at >= parsed.start, Play.started_at < parsed.end
                )
            ).one()
            floor.append((time.perf_counter() - started) * 1000)
        engine.dispose()
    engine = create_db_engine(f"sqlite:///{db}")
    with make_sessionmaker(engine)() as s:
        plays = s.scalar(
            select(func.count())
            .select_from(Play)
            .where(Play.user_id == user, Play.started_at >= parsed.start, Play.started_at < parsed.end)
        )
        if profile:
            prof = cProfile.Profile()
            prof.enable()
            build_snapshot(s, user_id=user, period=parsed, now=now)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(18)
    assert snap is not None
    print(f"listener {user}, {period}: {plays:,} plays in the period, {snap.listens:,} listens")
    print(
        f"cold build ms over {runs} runs: min {min(timings):.0f}, median {statistics.median(timings):.0f}, "
        f"max {max(timings):.0f}"
    )
    print(f"CPU ms of the same builds: min {min(cpu):.0f}, median {statistics.median(cpu):.0f}")
    print(
        f"reference, one covering-index scan of the same plays (count, sum): median {statistics.median(floor):.0f} ms"
    )
    con = sqlite3.connect(db)  # reference: the main GROUP BY alone in raw sqlite3, rows as plain tuples
    grouped = []
    for _ in range(runs):
        started = time.perf_counter()
        con.execute(
            "SELECT substr(started_at, 1, ?), track_id, count(*), sum(ms_played) FROM plays "
            "WHERE user_id = ? AND started_at >= ? AND started_at < ? AND is_listen = 1 AND track_id IS NOT NULL "
            "GROUP BY 1, 2",
            (parsed.bucket_chars, user, parsed.start.strftime(STAMP), parsed.end.strftime(STAMP)),
        ).fetchall()
        grouped.append((time.perf_counter() - started) * 1000)
    con.close()
    print(f"reference, the (bucket, track) GROUP BY alone in raw sqlite3: median {statistics.median(grouped):.0f} ms")
    if parsed.kind == "decade":
        _after_new_play(db, user=user, period=parsed, now=now, runs=runs)


def _first_decade(db: Path, *, user: int, period: Period, now: datetime) -> None:
    """A decade merges stored year tallies (story_5): build and store them all once, as the first decade read
    after a migration does, and time that. The timed runs then read them, cold (no snapshot stored)."""
    engine = create_db_engine(f"sqlite:///{db}")
    with make_sessionmaker(engine)() as s:
        started, started_cpu = time.perf_counter(), time.process_time()
        build_snapshot(s, user_id=user, period=period, now=now, refresh=True)
        s.commit()
        wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000
    engine.dispose()
    print(f"first decade read, every year's tally built and stored: {wall:.0f} ms wall, {cpu:.0f} ms CPU")


def _after_new_play(db: Path, *, user: int, period: Period, now: datetime, runs: int) -> None:
    """A decade read right after a play of the listener's latest month: its fold empties that year's tally,
    so the build tallies that year again and merges it with the stored others. Rolled back each run."""
    wall, cpu = [], []
    for _ in range(runs):
        engine = create_db_engine(f"sqlite:///{db}")
        with make_sessionmaker(engine)() as s:
            last = s.scalar(select(func.max(Play.started_at)).where(Play.user_id == user))
            assert last is not None
            history.mark_plays(s, [(user, last)])
            fold_marked(s, user_id=user)
            started, started_cpu = time.perf_counter(), time.process_time()
            build_snapshot(s, user_id=user, period=period, now=now)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            s.rollback()
        engine.dispose()
    print(
        f"decade after a new play in the latest month (that year tallied again): wall median "
        f"{statistics.median(wall):.0f} ms, CPU min {min(cpu):.0f}, median {statistics.median(cpu):.0f} ms"
    )


def batch(db: Path, *, period: str, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ENCORE_MODE": "dev", "ENCORE_DATA_DIR": tmp, "ENCORE_DATABASE_URL": f"sqlite:///{db}"}
        kind = "--decade" if period.endswith("s") else "--year"
        started = time.perf_counter()
        done = subprocess.run(
            [str(Path(sys.executable).with_name("encore")), "wrapped", "build", kind, period, "--workers", str(workers)],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    print(done.stdout.strip())
    print(f"wall time including process start and migration check: {elapsed:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["single", "batch"])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--user", type=int, default=1)
    parser.add_argument("--period", default="2020s")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="batch: processes (encore wrapped build --workers)")
    args = parser.parse_args()
    if args.mode == "single":
        single(args.db, user=args.user, period=args.period, runs=args.runs, profile=args.profile)
    else:
        batch(args.db, period=args.period, workers=args.workers)
