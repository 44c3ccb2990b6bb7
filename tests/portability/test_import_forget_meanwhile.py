"""A range the listener forgets while their import waits or writes stays forgotten when the import publishes
(review24 F2: the forget job deleted only the hidden rows already written, and the publish showed the rest)."""

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.jobs import Job
from encore.portability import import_history, submit_forget, submit_import

START = datetime(2021, 1, 1, tzinfo=UTC)
N = 600  # one listen every 4 minutes from START: 40 hours
HALF = START + timedelta(minutes=4 * N // 2)  # the first 300 listens are before it


def _file(tmp_path: Path) -> Path:
    rows = [
        {"ts": (START + timedelta(minutes=4 * i, seconds=200)).strftime("%Y-%m-%dT%H:%M:%SZ"), "ms_played": 200_000,
         "master_metadata_track_name": f"Song {i}", "master_metadata_album_artist_name": "Band",
         "master_metadata_album_album_name": "Album", "incognito_mode": False}
        for i in range(N)
    ]  # fmt: skip
    path = tmp_path / f"Streaming_History_Audio_{time.monotonic_ns()}.json"
    path.write_text(json.dumps(rows))
    return path


def _listener(c: Container, name: str) -> int:
    with transaction(c.sessions) as s:
        return create_user(s, username=name, password="listener-pass-1").id


def _visible(c: Container, uid: int) -> int:
    with c.sessions() as s:
        return int(s.scalar(select(func.count()).where(Play.user_id == uid, history.visible())) or 0)


def _forget(c: Container, uid: int, *, since: datetime | None = None, until: datetime | None = None) -> int:
    """The listener's forget request, run at once by a worker: how many plays it deleted then."""
    with transaction(c.sessions) as s:
        public_id = submit_forget(
            s, jobs=c.jobs, user_id=uid, since=since, until=until, everything=since is None, now=datetime.now(UTC)
        ).id
        job_id = s.scalar(select(Job.id).where(Job.public_id == public_id))
    assert job_id is not None
    c.jobs.execute(job_id)
    with c.sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.state == "done"
        deleted = int(json.loads(job.result or "{}")["deleted"])
        # the job list says the count later, as the page said it at the end (review32b L5: it said only "Deleted")
        assert job.message == ("Deleted 1 play" if deleted == 1 else f"Deleted {deleted:,} plays"), job.message
        return deleted


def _import_job(c: Container, uid: int, tmp_path: Path) -> int:
    upload = tmp_path / f"upload-{time.monotonic_ns()}"
    upload.write_bytes(_file(tmp_path).read_bytes())
    with transaction(c.sessions) as s:
        public_id = submit_import(s, jobs=c.jobs, user_id=uid, upload=upload, filename="Streaming_History.json").id
        job_id = s.scalar(select(Job.id).where(Job.public_id == public_id))
    assert job_id is not None
    return job_id


def _result(c: Container, job_id: int) -> tuple[dict[str, int], str | None]:
    with c.sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return json.loads(job.result or "{}"), job.message


def test_everything_forgotten_while_the_import_waits_stays_forgotten(container: Container, tmp_path: Path) -> None:
    uid = _listener(container, "waiting")
    job_id = _import_job(container, uid, tmp_path)  # uploaded, queued behind other jobs
    assert _forget(container, uid) == 0  # forget everything: a worker runs it first, finds nothing yet
    container.jobs.execute(job_id)
    assert _visible(container, uid) == 0
    result, message = _result(container, job_id)  # review24n N3: it said 600 imported, "Imported"
    assert (result["imported"], result["listens"], result["forgotten"]) == (0, 0, N), result
    assert message == f"Imported 0 listens (0 already here; {N:,} left out: you asked to forget their dates meanwhile)"


def test_a_range_forgotten_while_the_import_writes_stays_forgotten(container: Container, tmp_path: Path) -> None:
    uid = _listener(container, "writing")
    forgot: list[int] = []

    def progress(_report: object, stage: str) -> None:  # the forget job, run by another worker meanwhile
        if stage == "write" and not forgot:
            forgot.append(_forget(container, uid, since=START, until=HALF))

    path = _file(tmp_path)
    import_history(container.sessions, user_id=uid, path=path, name=path.name, now=datetime.now(UTC),
                   progress=progress, chunk=100)  # fmt: skip
    assert 0 < forgot[0] < N // 2  # it deleted the rows written by then only
    assert _visible(container, uid) == N // 2  # the range is gone, the rest published
    with container.sessions() as s:
        first = s.scalar(select(func.min(Play.started_at)).where(Play.user_id == uid, history.visible()))
    assert first is not None and first >= HALF


def test_a_forget_finished_before_the_upload_leaves_the_import_whole(container: Container, tmp_path: Path) -> None:
    uid = _listener(container, "reimport")
    assert _forget(container, uid) == 0  # forgot everything, then imported a file: those plays are wanted
    job_id = _import_job(container, uid, tmp_path)
    container.jobs.execute(job_id)
    assert _visible(container, uid) == N
    result, message = _result(container, job_id)
    # the count is in the job's message, as every face lists it later (review32b L5: it said only "Imported")
    assert (result["imported"], result["forgotten"], message) == (N, 0, f"Imported {N:,} listens (0 already here)")
