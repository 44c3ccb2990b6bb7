"""The job queue's store going away (Redis stopped) and coming back: one line each way, and jobs run again."""

import logging
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.jobs import InProcessWorkers, Job
from encore.jobs._consume import QueueOutage, _Scheduler, make_huey
from encore.portability import submit_import
from tests.jobs.test_jobs import spotify_rows
from tests.support.redis import RedisServer, find_redis_server, remove, start_redis


def _queue_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The queue's loops' warnings and errors (huey's consumer loggers and ours): not a job's own lines, such
    as a periodic task that Redis stopped under (huey.api's "Unhandled exception in task", once per run, and,
    when storing its outcome fails too, the consumer's "Unhandled error during execution of task" for the same
    run: a loaded CI machine had a task running as the server stopped)."""
    loops = ("huey.consumer", "encore.jobs")
    return [
        r for r in caplog.records if r.name.startswith(loops) and r.levelno >= logging.WARNING and not _a_task_run(r)
    ]


def _a_task_run(record: logging.LogRecord) -> bool:
    return record.getMessage().startswith("Unhandled error during execution of task")


def _state(c: Container, public_id: str) -> str:
    with c.sessions() as s:
        return s.scalar(select(Job.state).where(Job.public_id == public_id)) or ""


def test_a_redis_outage_is_one_line_and_its_end_another(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """probe21b F3: with Redis stopped, huey printed a ~40-line traceback at every poll of every loop, about 160
    lines a second per node."""
    if settings.resolved_database_url.startswith("postgresql"):
        pytest.skip("the queue's store is Redis either way")
    binary = find_redis_server()
    assert binary is not None
    server = start_redis(binary)  # its own: this test stops it
    c = build(settings.model_copy(update={"redis_url": server.url, "redis_prefix": "outage:"}))
    workers = InProcessWorkers(c.jobs, workers=2)
    caplog.set_level(logging.DEBUG, logger="encore.jobs")
    caplog.set_level(logging.INFO, logger="huey.consumer")
    workers.start()
    try:
        with transaction(c.sessions) as s:
            user_id = create_user(s, username="jobber", password="listener-pass-1").id
        server.stop()
        time.sleep(4)  # huey's loops polled ~40 times in this while, each with a traceback
        during = _queue_lines(caplog)
        assert [(r.levelname, r.exc_info) for r in during] == [("WARNING", None)], [r.getMessage() for r in during]
        assert "job queue unavailable" in during[0].getMessage()

        server.start()
        upload = tmp_path / "history.json"
        upload.write_bytes(spotify_rows(3))
        with transaction(c.sessions) as s:
            job_id = submit_import(s, jobs=c.jobs, user_id=user_id, upload=upload, filename="x.json").id
        deadline = time.monotonic() + 30
        while _state(c, job_id) != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _state(c, job_id) == "done"
        back = [r.getMessage() for r in _queue_lines(caplog)]
        assert len(back) == 2 and back[1].startswith("job queue reachable again"), back
    finally:
        workers.stop()
        c.close()
        remove(server)


def _wait_done(c: Container, job_id: str) -> None:
    deadline = time.monotonic() + 30
    while _state(c, job_id) != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _state(c, job_id) == "done"


def test_a_task_a_new_release_removed_is_its_own_line_not_an_outage(
    settings: Settings, redis_server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """review21c: a queued task whose name this release no longer has (the release before queued it) failed
    huey's registry on dequeue, and was logged as "job queue unavailable" (then "reachable again"), the worker
    pausing as for an outage. Now it is huey's own line with its traceback, and the next job runs at once."""
    if settings.resolved_database_url.startswith("postgresql"):
        pytest.skip("the queue's store is Redis either way")
    prefix = redis_server.new_prefix()
    c = build(settings.model_copy(update={"redis_url": redis_server.url, "redis_prefix": prefix}))
    before = make_huey(redis_url=redis_server.url, prefix=prefix, data_dir=tmp_path)  # the release before this one
    gone = before.task(name="encore.gone")(lambda: None)
    gone()  # queued by that release, taken by this one
    with transaction(c.sessions) as s:
        user_id = create_user(s, username="jobber", password="listener-pass-1").id
    caplog.set_level(logging.DEBUG, logger="encore.jobs")
    caplog.set_level(logging.INFO, logger="huey.consumer")
    workers = InProcessWorkers(c.jobs, workers=1)  # one: the removed task is taken before the job
    workers.start()
    try:
        upload = tmp_path / "history.json"
        upload.write_bytes(spotify_rows(3))
        with transaction(c.sessions) as s:
            job_id = submit_import(s, jobs=c.jobs, user_id=user_id, upload=upload, filename="x.json").id
        _wait_done(c, job_id)
    finally:
        workers.stop()
        c.close()
    lines = [(r.getMessage(), r.exc_info is not None) for r in _queue_lines(caplog)]
    assert lines == [("Error reading from queue", True)], lines
    assert "encore.gone" in caplog.text  # the traceback names the task
    assert not workers.outage.down


def test_a_scheduler_error_not_the_stores_is_logged_and_the_pass_goes_on(
    redis_server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A periodic task whose own schedule raises was reported as the queue being down, and the pass ended there:
    the delayed tasks due were not enqueued. Now it is logged with its traceback, and the rest of the pass runs."""
    huey = make_huey(redis_url=redis_server.url, prefix=redis_server.new_prefix(), data_dir=tmp_path)
    later = huey.task(name="t.later")(lambda: None)

    def broken_schedule(_at: datetime) -> bool:
        raise ValueError("a schedule that raises")

    huey.periodic_task(broken_schedule, name="t.periodic")(lambda: None)
    huey.add_schedule(later.s(eta=datetime(2026, 1, 1)))  # due long ago: the scheduler moves it onto the queue
    assert huey.pending_count() == 0 and huey.scheduled_count() == 1
    outage, stop = QueueOutage(), threading.Event()
    scheduler = _Scheduler(huey, stop, outage)
    stop.set()  # the pass's closing sleep returns at once
    caplog.set_level(logging.DEBUG, logger="encore.jobs")
    scheduler.loop()
    assert not outage.down
    lines = [(r.getMessage(), r.exc_info is not None) for r in _queue_lines(caplog)]
    assert lines == [("Error reading periodic tasks.", True)], lines
    assert huey.pending_count() == 1 and huey.scheduled_count() == 0  # the due task was enqueued all the same
