"""Where a ListenBrainz `import` submission's server CPU goes, per listen (issue #17), without HTTP.

    python -m bench.history.import_profile [--batches 50] [--postgres] [--profile] [--settle]

The server's import path in process, on a fresh database as bench.history.capture uses: the document parsed
(`parse_submission`), then the writer's job (`submission_job`: the token, `history.submit_listens`), then the
commit, each timed with time.process_time (CPU, so the machine's load does not count); with --profile,
cProfile's top functions over the same batches. bench.history.capture's server CPU per listen less these three
is the HTTP request, the thread hop and the writer's queue. With --settle the process first does what a server does
once built (kernel.settle_heap: the collector's start-up freeze), so the collector costs what it costs there.
"""

import argparse
import cProfile
import pstats
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.history.capture import SECRET, database, import_body
from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.web.listenbrainz._capture import submission_job
from encore.web.listenbrainz._payload import parse_submission


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--settle", action="store_true", help="settle the heap first, as `encore serve` does")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(Path(tmp), args.postgres) as url:
        c = build(Settings(mode="dev", data_dir=Path(tmp) / "var", database_url=url, secret_key=SECRET))  # type: ignore[arg-type]
        c.migrate()
        if args.settle:
            from encore.kernel import settle_heap

            settle_heap()
        with transaction(c.sessions) as s:
            user_id = create_user(s, username="bench", password="bench-pass-123").id  # noqa: S106
            token = regenerate_listen_token(s, user_id=user_id, now=c.clock.now())
        start = int(time.time()) - 300 * 86400
        bodies = [import_body(b, start) for b in range(args.batches)]
        parse = job = commit = 0.0
        profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not the loaded wall clock
        if profiler is not None:
            profiler.enable()
        for body in bodies:
            now = datetime.now(UTC)
            t0 = time.process_time()
            submission = parse_submission(body, now=now)
            t1 = time.process_time()
            session = c.sessions()
            assert submission_job(token=token, submission=submission, now=now)(session) is None
            t2 = time.process_time()
            session.commit()
            session.close()
            t3 = time.process_time()
            parse, job, commit = parse + t1 - t0, job + t2 - t1, commit + t3 - t2
        if profiler is not None:
            profiler.disable()
        n = args.batches * 1000
        print(f"{c.engine.dialect.name}, {args.batches} x 1000 listens, CPU per listen: parse {1e6 * parse / n:.1f} us, "
              f"job {1e6 * job / n:.1f} us, commit {1e6 * commit / n:.1f} us, "
              f"all {1e6 * (parse + job + commit) / n:.1f} us")  # fmt: skip
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
        c.close()


if __name__ == "__main__":
    main()
