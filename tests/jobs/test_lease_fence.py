"""An attempt that stalled past its lease while the job was claimed again (review24 F1): its writes are refused
and it stops, so the newer attempt's outcome stands; long work without progress keeps its lease alive."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from encore.bootstrap import Container
from encore.db import transaction
from encore.jobs import Job, JobContext

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


def test_work_without_progress_keeps_its_lease_and_stops_once_superseded(container: Container) -> None:
    engine = container.jobs
    engine.lease_s = 1.5  # renewed every 0.5 s: a lapse needs a stall of a second, far beyond a loaded machine's
    seen: dict[str, Any] = {}

    def think(ctx: JobContext) -> dict[str, Any]:
        with ctx.keep_lease():
            time.sleep(engine.lease_s * 2.5)  # a long computation (training) that reports nothing
            job = _row(container, seen["job"])
            seen["kept"] = job.lease_until is not None and job.lease_until > datetime.now(UTC)
            seen["reaped"] = engine.reap()
        if ctx.attempt == 1:
            with ctx.keep_lease():  # another worker claims the job meanwhile: leaving the block raises
                with transaction(container.sessions) as s:
                    s.execute(update(Job).where(Job.id == seen["job"]).values(attempts=Job.attempts + 1))
                time.sleep(engine.lease_s)
            seen["went_on"] = True
        return {"by": ctx.attempt}

    engine.register("test.think", think)
    seen["job"] = job_id = _submit(container, "test.think")
    engine.execute(job_id)
    assert seen["kept"] is True and seen["reaped"] == 0  # never lapsed, never taken back
    assert "went_on" not in seen
    job = _row(container, job_id)
    assert (job.state, job.attempts, job.result) == ("running", 2, None)  # left to the attempt that holds it
