"""Wrapped's batch (`encore wrapped build`) on a share of a big world, with CPU time and a profile.

`python -m bench.discovery.wrapped_shard --db /work/data/world-50m.db --period 2026 --of 40 [--profile 25]`
runs `insights.build_all` for shard 0 of `--of` (every `--of`-th listener with plays in the period), the code
`encore wrapped build --workers N` runs in each worker, in this process: wall, CPU (`time.process_time`) and
the projection of the CPU to every listener. The whole batch (`bench.wrapped.run batch`) takes too long to run
on a shared machine at 10k listeners; a shard is the same code on fewer listeners, plus its per-run reads
(the listener list, the shared percentile counts), which a shard repeats and so over-counts.
"""

import argparse
import cProfile
import os
import pstats
import time
from datetime import UTC, datetime
from pathlib import Path

from encore.db import create_db_engine, make_sessionmaker
from encore.insights import build_all

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--period", default="2026")
    p.add_argument("--of", type=int, default=40)
    p.add_argument("--profile", type=int, default=0)
    args = p.parse_args()
    engine = create_db_engine(f"sqlite:///{args.db}")
    sessions = make_sessionmaker(engine)
    print(f"load average before: {os.getloadavg()}", flush=True)
    profile = cProfile.Profile(time.process_time) if args.profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    built = build_all(sessions, period=args.period, now=NOW, shard=(0, args.of))
    if profile:
        profile.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"load average after: {os.getloadavg()}", flush=True)
    engine.dispose()
    print(
        f"Wrapped {args.period}, shard 0 of {args.of}: {built} listeners, wall {wall:.1f} s, CPU {cpu:.1f} s"
        f" = {cpu / max(built, 1) * 1000:.0f} ms CPU per listener; all {built * args.of:,} at this rate:"
        f" {cpu * args.of / 60:.1f} CPU-min"
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
