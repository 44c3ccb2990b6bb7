"""The history page's reads on one heavy listener: first page (with its count), a page deep in the
history by cursor, a text-filtered page, and the count a range deletion asks for first.

Uses a database from bench.wrapped.generate (its `--heavy` listener is the last user id):
`python -m bench.wrapped.generate --db var/bench-wrapped-one.db --listeners 50 --plays 2000 --heavy 200000 --start 2020-01-01 --days 2500`
`python -m bench.history.browse --db var/bench-wrapped-one.db --user 51 [--url postgresql://...]`
Prints p50/p95 over --runs for each read, and SQLite's query plan for the page query. With `--forget`,
then deletes the listener's whole history as the "delete everything" job does, timing each transaction
(it destroys those plays: run it on a copy).
"""

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from encore.db import create_db_engine, make_sessionmaker
from encore.history import HistoryFilter, HistoryPage, Play, browse_history
from encore.portability import forget_range


def _timed(label: str, runs: int, read: Callable[[], object]) -> None:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        read()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:<34} p50 {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path)
    parser.add_argument("--url", help="a database URL instead of --db (PostgreSQL)")
    parser.add_argument("--user", type=int, required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--forget", action="store_true", help="then delete the listener's history (use a copy)")
    args = parser.parse_args()
    engine = create_db_engine(args.url or f"sqlite:///{args.db}")
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        plays = s.scalar(select(Play.id).where(Play.user_id == args.user).limit(1))
        if plays is None:
            raise SystemExit(f"user {args.user} has no plays")
        everything = HistoryFilter()

        def page(flt: HistoryFilter = everything, cursor: str | None = None) -> HistoryPage:
            return browse_history(s, user_id=args.user, flt=flt, cursor=cursor, limit=50)

        first = page()
        print(f"listener {args.user}: {first.total:,} plays")
        cursor = first.next_cursor
        for _ in range(min(200, (first.total or 0) // 100)):  # walk halfway in, a page of 50 at a time
            cursor = page(cursor=cursor).next_cursor
        _timed("first page + count", args.runs, page)
        _timed("page ~10,000 rows in (cursor)", args.runs, lambda: page(cursor=cursor))
        _timed("text filter 'love', first page", args.runs, lambda: page(HistoryFilter(text="love")))
        year = HistoryFilter(since=datetime(2022, 1, 1, tzinfo=UTC), until=datetime(2023, 1, 1, tzinfo=UTC))
        _timed("one year, first page + count", args.runs, lambda: page(year))
        if engine.dialect.name == "sqlite":
            query = (
                select(Play)
                .where(Play.user_id == args.user)
                .order_by(Play.started_at.desc(), Play.client_play_id.desc())
                .limit(51)
            )
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            for row in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql):
                print("plan:", row[-1])
    if args.forget:
        _forget(sessions, args.user)


def _forget(sessions: sessionmaker[Session], user_id: int) -> None:
    chunks: list[float] = []
    last = start = time.perf_counter()

    def tick(_deleted: int) -> None:
        nonlocal last
        now = time.perf_counter()
        chunks.append((now - last) * 1000)
        last = now

    n = forget_range(sessions, user_id=user_id, since=None, until=datetime.now(UTC), progress=tick)
    chunks.sort()
    p95 = chunks[min(len(chunks) - 1, int(len(chunks) * 0.95))]
    print(f"forget everything: {n:,} plays in {time.perf_counter() - start:.2f} s; per transaction", end=" ")
    print(f"p50 {statistics.median(chunks):.0f} ms, p95 {p95:.0f} ms, max {chunks[-1]:.0f} ms")


if __name__ == "__main__":
    main()
