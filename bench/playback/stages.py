"""Where a stream-URL request's entitlement + ad decision spends its time, per stage and per statement.

Same world as `bench.playback.decision`; for free and Premium listeners separately it reports the
decision call, the URL issue and the commit (p50 / p99), and the SQL statements the decision sends.

    .venv/bin/python -m bench.playback.stages [--requests 1000] [--redis] [--profile]

`--redis` keeps the ad clocks in Redis (a redis-server of its own); `--profile` prints cProfile's top functions
of the free-tier decisions by cumulative time.
"""

import argparse
import cProfile
import pstats
import statistics
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bench.playback.decision import World, make_world
from bench.stream.counted import redis_server
from encore import playback
from encore.streaming import issue_stream_url


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 10 else max(values)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--redis", action="store_true", help="ad clocks in Redis (a redis-server of its own)")
    ap.add_argument("--profile", action="store_true", help="cProfile the free-tier decisions")
    args = ap.parse_args()
    if args.redis:
        with redis_server() as url:
            run(args, make_world(users=200, redis_url=url))
    else:
        run(args, make_world(users=200))


def run(args: argparse.Namespace, w: World) -> None:
    profiler = cProfile.Profile() if args.profile else None
    statements: Counter[str] = Counter()
    counting = [False]

    def count(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        if counting[0]:
            statements[" ".join(sql.split())[:110]] += 1

    event.listen(w.container.engine, "before_cursor_execute", count)
    stages: dict[str, dict[str, list[float]]] = {
        tier: {"decision": [], "issue": [], "commit": []} for tier in ("free", "premium")
    }
    for i in range(args.requests):
        uid, upid = w.users[i % len(w.users)]
        tier = "premium" if (i % len(w.users)) < len(w.users) // 4 else "free"
        tid = w.tracks[(i * 7) % len(w.tracks)]
        at = w.now + timedelta(seconds=i)
        with w.container.sessions() as s:
            s.begin()
            counting[0] = tier == "free" and i >= args.requests // 2
            if profiler and counting[0]:
                profiler.enable()
            t0 = time.perf_counter()
            playback.next_stream_decision(
                s,
                user_id=uid,
                user_public_id=upid,
                track_id=tid,
                interval_s=10**6,
                now=at,
                clocks=w.container.ad_clocks,
            )
            t1 = time.perf_counter()
            if profiler:
                profiler.disable()
            counting[0] = False
            issue_stream_url(
                s,
                settings=w.container.settings,
                keyring=w.container.keyring.get(),
                user_public_id=upid,
                track_public_id=tid,
                requested=None,
                data_saver=False,
                now=at,
            )
            t2 = time.perf_counter()
            s.commit()
            t3 = time.perf_counter()
        for name, ms in (("decision", t1 - t0), ("issue", t2 - t1), ("commit", t3 - t2)):
            stages[tier][name].append(ms * 1000)
    for tier, by in stages.items():
        for name, xs in by.items():
            print(f"{tier:8} {name:9} p50 {_p(xs, 50):6.2f} ms  p99 {_p(xs, 99):6.2f} ms  (n={len(xs)})")
    n_free = max(1, sum(1 for i in range(args.requests // 2, args.requests) if (i % len(w.users)) >= len(w.users) // 4))
    print(f"statements per free-tier decision ({n_free} requests):")
    for sql, n in statements.most_common():
        print(f"  {n / n_free:4.2f}  {sql}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    w.container.close()


if __name__ == "__main__":
    main()
