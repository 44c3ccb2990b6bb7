"""Background jobs: queued on commit, run once, retried, taken back from a worker that died, on SQLite
(huey's SQLite store) and on Redis (huey's Redis store)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.history import Play
from encore.jobs import InProcessWorkers, Job, JobContext, consumer, drain
from encore.portability import submit_import
from tests.support.redis import RedisServer


def spotify_rows(n: int, *, start: datetime = datetime(2021, 1, 1, tzinfo=UTC)) -> bytes:
    rows = [
        {"ts": (start + timedelta(minutes=4 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"), "ms_played": 200_000,
         "master_metadata_track_name": f"Song {i % 997}", "master_metadata_album_artist_name": f"Band {i % 89}",
         "master_metadata_album_album_name": "Album", "incognito_mode": False}
        for i in range(n)
    ]  # fmt: skip
    return json.dumps(rows).encode()


def _user(c: Container, name: str = "jobber") -> int:
    with transaction(c.sessions) as s:
        return create_user(s, username=name, password="listener-pass-1").id


def _submit_import(c: Container, user_id: int, body: bytes, tmp_path: Path) -> str:
    upload = tmp_path / f"upload-{time.monotonic_ns()}"
    upload.write_bytes(body)
    with transaction(c.sessions) as s:
        return submit_import(s, jobs=c.jobs, user_id=user_id, upload=upload, filename="Streaming_History_Audio.json").id


def _job(c: Container, public_id: str) -> Job:
    with c.sessions() as s:
        job = s.scalar(select(Job).where(Job.public_id == public_id))
        assert job is not None
        return job


def _plays(c: Container) -> int:
    with c.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Play)) or 0)


def _rolled_back_submit(container: Container, user_id: int, tmp_path: Path) -> None:
    with container.sessions() as s, s.begin():
        upload = tmp_path / "rolled-back"
        upload.write_bytes(spotify_rows(3))
        submit_import(s, jobs=container.jobs, user_id=user_id, upload=upload, filename="x.json")
        s.rollback()  # the request failed after submitting: nothing may be queued


def test_a_job_is_queued_on_commit_and_runs_once(container: Container, tmp_path: Path) -> None:
    _rolled_back_submit(container, _user(container, "rolled"), tmp_path)
    assert drain(container.jobs) == 0
    user_id = _user(container)
    job_id = _submit_import(container, user_id, spotify_rows(5), tmp_path)
    assert drain(container.jobs) == 1
    job = _job(container, job_id)
    assert job.state == "done" and job.attempts == 1 and json.loads(job.result or "{}")["imported"] == 5
    container.jobs.execute(job.id)  # a duplicate message (or a second worker) changes nothing
    assert _job(container, job_id).attempts == 1 and _plays(container) == 5
    again = _submit_import(container, user_id, spotify_rows(5), tmp_path)  # the same file uploaded twice
    drain(container.jobs)
    assert json.loads(_job(container, again).result or "{}")["duplicates"] == 5 and _plays(container) == 5


def test_a_rolled_back_submit_leaves_no_job(container: Container, tmp_path: Path) -> None:
    _rolled_back_submit(container, _user(container), tmp_path)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_a_failing_job_is_retried_and_a_bad_input_is_not(container: Container) -> None:
    calls: list[int] = []

    def flaky(ctx: JobContext) -> dict[str, Any]:
        calls.append(ctx.attempt)
        if ctx.attempt == 1:
            raise RuntimeError("the disk hiccuped")
        return {"ok": True}

    container.jobs.register("test.flaky", flaky)
    with transaction(container.sessions) as s:
        job_id = container.jobs.submit(s, kind="test.flaky", key="once").id
        same = container.jobs.submit(s, kind="test.flaky", key="once").id  # asked twice while queued: one job
    assert same == job_id
    drain(container.jobs)
    job = _job(container, job_id)
    assert calls == [1, 2] and job.state == "done" and job.attempts == 2


def test_a_bad_upload_fails_the_job_with_its_reason_and_writes_nothing(container: Container, tmp_path: Path) -> None:
    user_id = _user(container)
    body = spotify_rows(3000)[:-1] + b',{"ts": "1999-01-01T00:00:00Z", "ms_played": 40000}]'
    job_id = _submit_import(container, user_id, body, tmp_path)
    drain(container.jobs)
    job = _job(container, job_id)
    assert job.state == "failed" and job.error_code == "timestamp_too_old" and job.attempts == 1
    assert _plays(container) == 0  # the 3,000 good rows before the bad one were never written


def test_in_process_workers_take_jobs_as_they_come(container: Container, tmp_path: Path) -> None:
    workers = InProcessWorkers(container.jobs, workers=1)
    workers.start()
    try:
        job_id = _submit_import(container, _user(container), spotify_rows(10), tmp_path)
        deadline = time.monotonic() + 20
        while _job(container, job_id).state != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        workers.stop()
    assert _job(container, job_id).state == "done" and _plays(container) == 10


def test_jobs_on_redis(settings: Settings, redis_server: RedisServer, tmp_path: Path) -> None:
    c = build(settings.model_copy(update={"redis_url": redis_server.url, "redis_prefix": redis_server.new_prefix()}))
    try:
        assert type(c.jobs.huey).__name__ == "RedisHuey"
        job_id = _submit_import(c, _user(c), spotify_rows(7), tmp_path)
        assert drain(c.jobs) == 1
        assert _job(c, job_id).state == "done" and _plays(c) == 7
    finally:
        c.close()


@pytest.fixture
def worker_env(container: Container) -> dict[str, str]:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("one worker death is enough; the queue file is the same on both databases")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")}
    env.update(
        ENCORE_MODE="dev",
        ENCORE_DATA_DIR=str(container.settings.data_dir),
        ENCORE_DATABASE_URL=container.settings.resolved_database_url,
    )
    return env


def test_a_worker_killed_mid_job_leaves_it_to_be_taken_back_and_completed(
    container: Container, worker_env: dict[str, str], tmp_path: Path
) -> None:
    # Large enough that the worker is still writing when the test sees its first progress and kills it: with
    # import15's faster writes, 40,000 rows were once all written between two polls (seen done, not running).
    total = 120_000
    job_id = _submit_import(container, _user(container), spotify_rows(total), tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "-c", "from encore.cli import app; app()", "worker", "--threads", "1"],
        env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (0 < _job(container, job_id).done < total):
            time.sleep(0.02)
    finally:
        worker.send_signal(signal.SIGKILL)  # mid-write: no goodbye, no release
        worker.wait()
    job = _job(container, job_id)
    assert job.state == "running" and 0 < _plays(container) < total  # a prefix of short transactions
    drain(container.jobs)  # its message died with it (the queue may hold only the periodic reaper)
    assert _job(container, job_id).state == "running"  # only the lapsed lease can bring it back
    with transaction(container.sessions) as s:  # the 60 s lease lapses (moved back instead of waited for)
        s.execute(update(Job).where(Job.id == job.id).values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert container.jobs.reap() == 1
    drain(container.jobs)
    job = _job(container, job_id)
    assert job.state == "done" and job.attempts == 2
    assert _plays(container) == total  # completed, and nothing written twice


@pytest.mark.parametrize("runner", ["serve", "worker"])
def test_this_nodes_minutely_tasks_run_in_every_process_that_takes_jobs(container: Container, runner: str) -> None:
    """`every_minute_here` (a node's own spool of verified streams): run by `encore serve`'s in-process workers and
    by `encore worker`, at once and then each minute, never through the queue (fixout24); a failure is logged."""
    ran = threading.Event()
    calls: list[str] = []

    def task() -> None:
        calls.append("ran")
        ran.set()
        raise RuntimeError("a task that fails is logged, the thread goes on")

    container.jobs.every_minute_here("test.here", task)
    if runner == "serve":
        workers = InProcessWorkers(container.jobs, workers=1)
        workers.start()
        try:
            assert ran.wait(20)
        finally:
            workers.stop()
    else:
        worker = consumer(container.jobs, workers=1)
        worker.start()
        try:
            assert ran.wait(20)
        finally:
            worker.stop(graceful=True)
    assert calls == ["ran"]
