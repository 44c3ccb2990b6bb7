"""Issue #17's original failure: a 10 MB import made other listeners' log-ins and playlist writes fail, because
it held SQLite's write lock for the whole file. An import job now writes in short chunk transactions, so
between two of them another listener logs in and saves a playlist, and both succeed.

The job runs on the real engine (huey's queue, drained in a thread) against the SQLite file database. It is
held between two of its chunks (after one committed, before the next began) until the other listener is done,
so the interleaving is certain rather than left to the scheduler, and every wait is bounded: an import that
never commits before it ends (one transaction for the file, as before #15) fails the first wait."""

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import HistoryImport, Play
from encore.jobs import Job, drain
from encore.portability import submit_import
from encore.web import create_app
from tests.web.conftest import PASSWORD

ROWS = 12_000  # ~3.8 MB: the first chunk is 2,000 listens, so the job commits several times
WAIT_S = 60.0


def _history_file(path: Path) -> Path:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    rows = [
        {
            "ts": (start + timedelta(minutes=5 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ms_played": 200_000,
            "master_metadata_track_name": f"Song {i % 997}",
            "master_metadata_album_artist_name": f"Band {i % 37}",
            "master_metadata_album_album_name": "Album",
            "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
            "incognito_mode": False,
        }
        for i in range(ROWS)
    ]
    path.write_text(json.dumps(rows))
    return path


class HoldBetweenChunks:
    """Holds the job's thread right after its first transaction that wrote plays has committed."""

    def __init__(self, container: Container) -> None:
        self.engine = container.engine
        self.job_thread: int | None = None
        self.wrote_plays = False
        self.between_chunks = threading.Event()
        self.others_done = threading.Event()

    def saw_statement(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if threading.get_ident() == self.job_thread and statement.startswith("INSERT INTO plays"):
            self.wrote_plays = True

    def committed(self, _session: Session) -> None:
        if threading.get_ident() == self.job_thread and self.wrote_plays and not self.between_chunks.is_set():
            self.between_chunks.set()
            self.others_done.wait(WAIT_S)  # bounded: the test fails on its own assertions if this runs out

    def __enter__(self) -> "HoldBetweenChunks":
        event.listen(self.engine, "before_cursor_execute", self.saw_statement)
        event.listen(Session, "after_commit", self.committed)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.others_done.set()
        event.remove(Session, "after_commit", self.committed)
        event.remove(self.engine, "before_cursor_execute", self.saw_statement)


@pytest.fixture
def users(container: Container) -> tuple[int, str]:
    with transaction(container.sessions) as s:
        importer = create_user(s, username="importer", password=PASSWORD).id
        create_user(s, username="neighbour", password=PASSWORD)
    return importer, "neighbour"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite's one writer is what #17 ran into
def test_another_listener_logs_in_and_saves_a_playlist_while_an_import_job_writes(
    container: Container, users: tuple[int, str], tmp_path: Path
) -> None:
    importer, neighbour = users
    upload = _history_file(tmp_path / "Streaming_History_Audio_2023.json")
    with transaction(container.sessions) as s:
        job_id = submit_import(s, jobs=container.jobs, user_id=importer, upload=upload, filename=upload.name).id
    failures: list[BaseException] = []

    def work() -> None:
        try:
            drain(container.jobs)
        except BaseException as exc:  # handed to the test's thread
            failures.append(exc)

    with HoldBetweenChunks(container) as hold, TestClient(create_app(container), base_url="http://testserver") as c:
        worker = threading.Thread(target=work, name="import-job")
        worker.start()
        hold.job_thread = worker.ident
        assert hold.between_chunks.wait(WAIT_S), "the import never committed a chunk before it ended"
        with transaction(container.sessions) as s:  # the import is mid-way: rows written, none of them shown
            assert s.scalar(select(HistoryImport.published).where(HistoryImport.user_id == importer)) is False
            assert s.scalar(select(func.count()).select_from(Play).where(Play.user_id == importer)) > 0
            assert history.listen_count(s, user_id=importer) == 0

        login = c.post("/api/auth/login", json={"username": neighbour, "password": PASSWORD})
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        made = c.post("/api/playlists", json={"name": "While they import"}, headers=auth)
        assert made.status_code in (200, 201), made.text
        mine = c.get("/api/me/playlists", headers=auth)
        assert "While they import" in mine.text

        hold.others_done.set()
        worker.join(WAIT_S)
        assert not worker.is_alive(), "the import job did not finish"
    assert not failures, failures
    with transaction(container.sessions) as s:
        assert s.scalar(select(Job.state).where(Job.public_id == job_id)) == "done"
        assert history.listen_count(s, user_id=importer) == ROWS  # all of it, once published
