"""An attempt that stalled past its lease while the job was claimed again (review24 F1): its writes are refused
and it stops, so the newer attempt's outcome stands; long work without progress keeps its lease alive."""

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from encore.bootstrap import Container
from encore.db import create_db_engine, transaction
from encore.jobs import Job, JobContext, Superseded
from encore.kernel import FixedClock
from tests.jobs.test_periodic_outage import _free_port

WAIT_S = 30.0  # bounds each wait of the test, never reached unless something hangs


def _submit(c: Container, kind: str) -> int:
    with transaction(c.sessions) as s:
        public_id = c.jobs.submit(s, kind=kind, key="one").id
    with c.sessions() as s:
        job_id = s.scalar(select(Job.id).where(Job.public_id == public_id))
    assert job_id is not None
    return job_id


def _row(c: Container, job_id: int) -> Job:
    with c.sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def _lapse(c: Container, job_id: int) -> None:
    """The 60 s lease lapses (moved back instead of waited for)."""
    with transaction(c.sessions) as s:
        s.execute(update(Job).where(Job.id == job_id).values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))


class Stalled:
    """A handler whose first attempt waits, mid-work, until the test lets it go on; later attempts finish."""

    def __init__(self, late: str) -> None:
        self.late, self.started, self.go = late, threading.Event(), threading.Event()

    def __call__(self, ctx: JobContext) -> dict[str, Any]:
        if ctx.attempt == 1:
            self.started.set()
            assert self.go.wait(WAIT_S)
            if self.late == "raise":
                raise RuntimeError("the stalled attempt fails after the job was done by another")
            ctx.progress(1, 1, "the stalled attempt reports", force=True)
        return {"by": ctx.attempt}


def _supersede(c: Container, kind: str, handler: Stalled) -> tuple[int, list[BaseException]]:
    """Attempt 1 stalls; its lease lapses, the reaper takes the job back and attempt 2 finishes it; then
    attempt 1 goes on. Returns the job and what attempt 1's run raised."""
    c.jobs.register(kind, handler)
    job_id = _submit(c, kind)
    errors: list[BaseException] = []

    def first() -> None:
        try:
            c.jobs.execute(job_id)
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    a = threading.Thread(target=first)
    a.start()
    assert handler.started.wait(WAIT_S)
    _lapse(c, job_id)
    assert c.jobs.reap() == 1
    c.jobs.execute(job_id)  # the worker that takes the reaper's message
    assert _row(c, job_id).state == "done"
    handler.go.set()
    a.join(WAIT_S)
    assert not a.is_alive()
    return job_id, errors


def test_a_stalled_attempt_cannot_finish_a_job_another_attempt_finished(container: Container) -> None:
    job_id, errors = _supersede(container, "test.stalled", Stalled("report"))
    job = _row(container, job_id)
    assert job.state == "done" and job.attempts == 2
    assert json.loads(job.result or "{}") == {"by": 2}  # not overwritten by the stalled attempt's
    assert errors == []  # it stopped quietly: huey is not asked to retry it


def test_a_stalled_attempt_that_fails_does_not_requeue_a_finished_job(container: Container) -> None:
    job_id, errors = _supersede(container, "test.stalled.fails", Stalled("raise"))
    job = _row(container, job_id)
    assert (job.state, job.attempts, job.lease_until) == ("done", 2, None)  # not put back to "queued"
    assert json.loads(job.result or "{}") == {"by": 2}
    assert errors == []


def _until(condition: Callable[[], bool], what: str) -> None:
    """Wait for `condition` (a renewal made by keep_lease's timer thread), bounded by WAIT_S: how soon it comes
    depends on the machine's load, never whether the test passes."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {WAIT_S} s"
        time.sleep(0.02)


def _engine_clock(c: Container) -> FixedClock:
    """The engine's clock, moved by the test: a lease lapses when the test says, not when a loaded machine stalls."""
    clock = FixedClock(datetime.now(UTC))
    c.jobs.clock = clock
    c.jobs.lease_s = 0.3  # renewals every 0.1 s of wall time: how soon one comes, never whether the lease lapses
    return clock


def _watched(ctx: JobContext) -> tuple[list[BaseException], threading.Event]:
    """What each lease renewal raised (the attempt's own report, as the timer thread calls it), and an event set
    once one was refused because another attempt holds the job."""
    failures: list[BaseException] = []
    superseded = threading.Event()
    report = ctx._report

    def watched(done: int, total: int | None, message: str | None) -> None:
        try:
            report(done, total, message)
        except BaseException as exc:
            failures.append(exc)
            if isinstance(exc, Superseded):
                superseded.set()
            raise

    ctx._report = watched
    return failures, superseded


def test_work_without_progress_keeps_its_lease_and_stops_once_superseded(container: Container) -> None:
    engine, clock = container.jobs, _engine_clock(container)
    seen: dict[str, Any] = {}

    def lease_ahead() -> bool:
        until = _row(container, seen["job"]).lease_until
        return until is not None and until > clock.now()

    def think(ctx: JobContext) -> dict[str, Any]:
        _, superseded = _watched(ctx)
        with ctx.keep_lease():  # a long computation (training) that reports nothing
            for _ in range(3):
                clock.advance(engine.lease_s * 2)  # the lease as last renewed has lapsed by the engine's clock
                _until(lease_ahead, "renewal of the lease")  # ... and the timer renews it
            seen["reaped"] = engine.reap()  # renewed: not taken back
        if ctx.attempt == 1:
            with ctx.keep_lease():  # another worker claims the job meanwhile: leaving the block raises
                with transaction(container.sessions) as s:
                    s.execute(update(Job).where(Job.id == seen["job"]).values(attempts=Job.attempts + 1))
                _until(superseded.is_set, "renewal refused")
            seen["went_on"] = True
        return {"by": ctx.attempt}

    engine.register("test.think", think)
    seen["job"] = job_id = _submit(container, "test.think")
    engine.execute(job_id)
    assert seen["reaped"] == 0  # never lapsed, never taken back
    assert "went_on" not in seen
    job = _row(container, job_id)
    assert (job.state, job.attempts, job.result) == ("running", 2, None)  # left to the attempt that holds it


def test_a_database_outage_under_keep_lease_is_one_line(
    container: Container, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """review24n N4: each failed renewal logged a whole traceback, every beat of the outage (20 s at a 60 s
    lease). Now an unreachable database is one line, however many beats fail. PostgreSQL only: SQLite has no
    server to lose, and its busy wait (10 s) outlasts any lease a test can hold."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to go away")
    caplog.set_level(logging.INFO, logger="encore.jobs")
    engine = container.jobs
    _engine_clock(container)  # not moved: the lease never lapses, however long the outage's beats take
    away = make_url(database_url).set(host="127.0.0.1", port=_free_port()).render_as_string(hide_password=False)
    down = create_db_engine(away)

    def think(ctx: JobContext) -> dict[str, Any]:
        failures, _ = _watched(ctx)
        with ctx.keep_lease():
            container.sessions.configure(bind=down)
            try:
                _until(lambda: len(failures) >= 2, "two failed renewals")  # two beats fail: the attempt keeps its job
            finally:
                container.sessions.configure(bind=container.engine)
        return {"done": True}

    engine.register("test.outage", think)
    try:
        job_id = _submit(container, "test.outage")
        engine.execute(job_id)
    finally:
        container.sessions.configure(bind=container.engine)
        down.dispose()
    said = [r for r in caplog.records if r.name == "encore.jobs" and "lease renewal failed" in r.getMessage()]
    assert [(r.levelname, r.exc_info) for r in said] == [("WARNING", None)], [r.getMessage() for r in said]
    line = said[0].getMessage()
    assert "(psycopg.OperationalError) connection failed" in line and "\n" not in line, line
    assert _row(container, job_id).state == "done"
