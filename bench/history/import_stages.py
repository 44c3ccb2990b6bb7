"""Where a ListenBrainz `import` submission's CPU goes, stage by stage, on an empty or a large `plays` (issue #17).

    python -m bench.history.import_stages [--batches 50] [--rounds 2] [--db PREFILLED.db] [--user ID]
    python -m bench.history.import_stages --prefill OUT.db --listeners 20 --each 100000

The server's import path in process (no HTTP), as bench.history.import_profile runs it, with each batch-level step
timed by time.process_time (CPU: the machine's load does not count) through wrappers put around the functions
that run once per batch, never per listen, so the timing costs nothing a listen:
- parse: the document to typed listens (`parse_submission`: orjson, ListenBrainz's rules);
- keys: the job less everything below (the token, each listen's text key and client play id, the dedupe);
- kept-check: `_any_kept` (one small read);
- catalogue: `catalogue_matches` (the process's cache; one miss per new artist);
- rows: `store_listens` less catalogue, months and insert (the rows in the driver's form);
- months: Wrapped's marks (`mark`);
- insert: the `INSERT ... ON CONFLICT DO NOTHING` executemany and its counting;
- commit.
With `--prefill OUT.db` it instead writes a database whose `plays` holds `--listeners` x `--each` text listens
(unmatched, so each is in the unique (listener, play id) index and in the match-key index), through the tree's own
`submit_listens`, for runs with `--db` (each run works on a copy, the prefilled file is never written). The listens
timed then belong to listener `--user` (default: the first, who already has `--each`), at times after theirs.
The code measured is whatever `encore` is first on PYTHONPATH, so two trees run the same script alternated.
"""

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.history.capture import SECRET, import_body
from encore import history
from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.web.listenbrainz import _capture, _payload

STAGES = ("parse", "keys", "kept-check", "catalogue", "rows", "months", "insert", "commit")
SPENT: dict[str, float] = dict.fromkeys(STAGES, 0.0)


def timed(module: Any, name: str, stage: str) -> None:
    """Wrap module.name so its CPU adds to SPENT[stage] (and not to the stage that called it)."""
    inner: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            took = time.process_time() - t0
            SPENT[stage] += took
            SPENT["_nested"] += took

    setattr(module, name, wrapper)


def instrument() -> None:
    from encore.history import _listens

    SPENT["_nested"] = 0.0
    for name, stage in (("_any_kept", "kept-check"), ("catalogue_matches", "catalogue"), ("mark", "months")):
        if hasattr(_listens, name):
            timed(_listens, name, stage)
    timed(_listens, "_execute", "insert")


def prefill(out: Path, listeners: int, each: int) -> None:
    out.unlink(missing_ok=True)
    c = build(Settings(mode="dev", data_dir=out.parent / "var", database_url=f"sqlite:///{out}", secret_key=SECRET))  # type: ignore[arg-type]
    c.migrate()
    with transaction(c.sessions) as s:
        users = [create_user(s, username=f"fill{u}", password="bench-pass-123").id for u in range(listeners)]  # noqa: S106
    start = int(time.time()) - 3000 * 86400
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    for n, user_id in enumerate(users):
        for b in range(each // 1000):
            body = import_body(b + 1000 * n, start)
            listens = _payload.parse_submission(body, now=now).listens
            with transaction(c.sessions) as s:
                history.submit_listens(s, user_id=user_id, listens=listens, source="fill", now=now)
        print(f"listener {user_id}: {each:,} listens ({time.perf_counter() - t0:.0f} s)", flush=True)
    with c.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


def run(db: Path | None, user: int | None, batches: int, pragmas: list[str]) -> None:
    with tempfile.TemporaryDirectory(dir=db.parent if db else None) as tmp:  # a large copy beside it, not in /tmp
        path = Path(tmp) / "stages.db"
        if db is not None:
            shutil.copyfile(db, path)
        c = build(Settings(mode="dev", data_dir=Path(tmp) / "var", database_url=f"sqlite:///{path}", secret_key=SECRET))  # type: ignore[arg-type]
        c.migrate()
        if pragmas:  # an experiment: these on every connection of the pool from here on

            @event.listens_for(c.engine, "connect")
            def _tuned(dbapi: Any, _record: Any) -> None:
                for pragma in pragmas:
                    dbapi.execute(f"PRAGMA {pragma}")

            c.engine.dispose()
        from encore.kernel import settle_heap

        settle_heap()
        with transaction(c.sessions) as s:
            user_id = user or create_user(s, username="bench", password="bench-pass-123").id  # noqa: S106
            token = regenerate_listen_token(s, user_id=user_id, now=c.clock.now())
        start = int(time.time()) - 400 * 86400  # after every prefilled listen (those start 3,000 days back)
        bodies = [import_body(b, start) for b in range(batches)]
        instrument()
        for stage in SPENT:
            SPENT[stage] = 0.0
        job_cpu = 0.0
        for body in bodies:
            now = datetime.now(UTC)
            t0 = time.process_time()
            submission = _payload.parse_submission(body, now=now)
            t1 = time.process_time()
            session = c.sessions()
            assert _capture.submission_job(token=token, submission=submission, now=now)(session) is None
            t2 = time.process_time()
            session.commit()
            session.close()
            t3 = time.process_time()
            SPENT["parse"] += t1 - t0
            SPENT["commit"] += t3 - t2
            job_cpu += t2 - t1
        n = batches * 1000
        inner = SPENT["kept-check"] + SPENT["catalogue"] + SPENT["months"] + SPENT["insert"]
        # what submit_listens and store_listens do besides their timed calls is not separable without a timer
        # per listen: "keys" is the job less its timed calls (the token, the keys, the dedupe and the rows)
        SPENT["keys"] = job_cpu - inner
        total = SPENT["parse"] + job_cpu + SPENT["commit"]
        with c.engine.connect() as conn:
            plays = conn.exec_driver_sql("SELECT max(id) FROM plays").scalar()
        parts = ", ".join(f"{k} {1e6 * SPENT[k] / n:.1f}" for k in STAGES if k not in ("rows",))
        print(f"plays ~{plays or 0:,}, {batches} x 1000 listens, CPU us a listen: {parts} "
              f"(keys = token, keys, dedupe and rows), all {1e6 * total / n:.1f} us", flush=True)  # fmt: skip
        c.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--db", type=Path, help="a prefilled database (copied for each round)")
    ap.add_argument("--user", type=int, help="the listener the timed listens belong to (with --db)")
    ap.add_argument("--pragma", action="append", default=[], help="e.g. wal_autocheckpoint=10000 (an experiment)")
    ap.add_argument("--prefill", type=Path, help="write a prefilled database here and stop")
    ap.add_argument("--listeners", type=int, default=20)
    ap.add_argument("--each", type=int, default=100_000)
    args = ap.parse_args()
    if args.prefill is not None:
        prefill(args.prefill, args.listeners, args.each)
        return
    for _ in range(args.rounds):
        run(args.db, args.user, args.batches, args.pragma)


if __name__ == "__main__":
    main()
