"""An import's upload is moved into its job's folder before the job's row is committed (review20): if that
commit fails, or the request fails after queueing, no row names the folder, so nothing would ever run the
import or delete the file (up to 512 MiB a try). The folder goes with the transaction."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.jobs import Job
from encore.portability import IMPORT, submit_import

BODY = json.dumps([{"listened_at": 1_700_000_000, "track_metadata": {"artist_name": "A", "track_name": "B"}}])


def _setup(container: Container, tmp_path: Path) -> tuple[int, Path]:
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="uploader", password="listener-pass-1").id
    upload = tmp_path / "history.upload"
    upload.write_text(BODY)
    return user_id, upload


def _jobs(container: Container) -> int:
    with container.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Job)) or 0)


def _queue_then(container: Container, user_id: int, upload: Path, folders: list[Path], *, then: str) -> None:
    """Submit the import in a transaction that then fails: at its commit (`then="commit"`) or before it."""
    with transaction(container.sessions) as s:
        view = submit_import(s, jobs=container.jobs, user_id=user_id, upload=upload, filename="listens.jsonl")
        folders.append(container.jobs.folder(view.id))
        assert (folders[0] / "upload").read_text() == BODY
        if then != "commit":
            raise RuntimeError("the handler failed after submitting")
        now = datetime.now(UTC)
        # the same public id again: the commit's flush fails on the jobs table's unique key (a real failure
        # at commit, as a lost connection or a serialization failure would be)
        s.add(Job(public_id=view.id, kind=IMPORT, key="other", state="done", attempts=0, done=0, payload="{}",
                  created_at=now, updated_at=now))  # fmt: skip


def test_a_failed_commit_leaves_no_upload_behind(container: Container, tmp_path: Path) -> None:
    user_id, upload = _setup(container, tmp_path)
    folders: list[Path] = []
    with pytest.raises(IntegrityError):
        _queue_then(container, user_id, upload, folders, then="commit")
    assert folders and not folders[0].exists()
    assert _jobs(container) == 0


def test_a_request_failing_after_the_queueing_leaves_no_upload_behind(container: Container, tmp_path: Path) -> None:
    user_id, upload = _setup(container, tmp_path)
    folders: list[Path] = []
    with pytest.raises(RuntimeError):
        _queue_then(container, user_id, upload, folders, then="raise")
    assert folders and not folders[0].exists()
    assert _jobs(container) == 0


def test_a_committed_import_keeps_its_upload(container: Container, tmp_path: Path) -> None:
    user_id, upload = _setup(container, tmp_path)
    with transaction(container.sessions) as s:
        view = submit_import(s, jobs=container.jobs, user_id=user_id, upload=upload, filename="listens.jsonl")
    assert (container.jobs.folder(view.id) / "upload").read_text() == BODY and _jobs(container) == 1
