"""One history import at a time per listener (review19 F1: one listener could queue any number, each keeping up
to 512 MiB on disk until a worker reached it, all ahead of everyone's erasures, exports and mixes)."""

import json
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore import portability
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.jobs import Job, drain
from encore.kernel import ValidationFailed
from encore.portability import IMPORT, ImportOpen, submit_import
from encore.web import create_app
from tests.portability.test_import import client, extended
from tests.web.conftest import PASSWORD, login

__all__ = ["client"]  # the fixture: a logged-in listener, "importer"
CSRF = {"X-Encore-CSRF": "1"}
URL = "/api/me/history/import?filename=Streaming_History_Audio_0.json"


def _body(track: str) -> bytes:
    return json.dumps([extended("2023-05-01T10:00:00Z", track=track)]).encode()


def _imports(c: Container) -> list[tuple[str, str]]:
    with c.sessions() as s:
        return [(j.public_id, j.state) for j in s.scalars(select(Job).where(Job.kind == IMPORT).order_by(Job.id))]


def _kept_files(c: Container) -> list[Path]:
    """Every file an upload may have left: the jobs' folders and the store's temp area."""
    roots = [c.jobs.files_root, c.store.tmp_dir]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


def test_a_second_import_while_one_waits_is_409_with_that_job_and_keeps_nothing(
    client: TestClient, container: Container
) -> None:
    first = client.post(URL, content=_body("One"), headers=CSRF)
    assert first.status_code == 202, first.text
    kept = _kept_files(container)
    assert len(kept) == 1  # the first upload, in its job's folder
    for _ in range(5):
        again = client.post(URL, content=_body("Two") * 1000, headers=CSRF)
        assert again.status_code == 409, again.text
        error = again.json()["error"]
        assert error["code"] == "import_open" and error["job"] == {"id": first.json()["id"], "state": "queued"}
        assert "already waiting or running" in error["message"]
    assert _imports(container) == [(first.json()["id"], "queued")]
    assert _kept_files(container) == kept  # the refused uploads left nothing on disk
    assert drain(container.jobs) == 1  # the first is done: the next file is taken
    second = client.post(URL, content=_body("Two"), headers=CSRF)
    assert second.status_code == 202, second.text
    assert _imports(container) == [(first.json()["id"], "done"), (second.json()["id"], "queued")]


def test_a_running_import_holds_the_slot_and_other_listeners_are_not_held(
    client: TestClient, container: Container
) -> None:
    first = client.post(URL, content=_body("One"), headers=CSRF).json()["id"]
    with transaction(container.sessions) as s:  # a worker has taken it
        job = s.scalar(select(Job).where(Job.public_id == first))
        assert job is not None
        job.state = "running"
    assert client.post(URL, content=_body("Two"), headers=CSRF).json()["error"]["job"] == {
        "id": first,
        "state": "running",
    }
    with transaction(container.sessions) as s:
        create_user(s, username="neighbour", password=PASSWORD)
    with TestClient(create_app(container), base_url="http://testserver") as other:
        login(other, "neighbour")
        assert other.post(URL, content=_body("Theirs"), headers=CSRF).status_code == 202


def test_an_import_queued_by_a_concurrent_request_is_the_one_kept(container: Container, tmp_path: Path) -> None:
    """Two requests of one listener that both found no open import: the jobs' open-key index lets one job
    in, and the other's upload is removed at once. The other request's row is stood for by a job under the
    listener's key that the first look (by owner) cannot see yet."""
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="racer", password=PASSWORD).id
        container.jobs.submit(s, kind=IMPORT, key=f"user:{user_id}", payload={})
    upload = tmp_path / "upload"
    upload.write_bytes(_body("Late"))
    folders = set(container.jobs.files_root.iterdir()) if container.jobs.files_root.exists() else set()
    with transaction(container.sessions) as s, pytest.raises(ImportOpen) as refused:
        submit_import(s, jobs=container.jobs, user_id=user_id, upload=upload, filename="x.json")
    assert refused.value.job.state == "queued" and not upload.exists()
    assert set(container.jobs.files_root.iterdir()) == folders  # the late upload's folder is gone
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 1


def test_an_empty_file_is_still_refused_first(container: Container, tmp_path: Path) -> None:
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="empty", password=PASSWORD).id
    (tmp_path / "empty").write_bytes(b"")
    with transaction(container.sessions) as s, pytest.raises(ValidationFailed) as refused:
        submit_import(s, jobs=container.jobs, user_id=user_id, upload=tmp_path / "empty", filename="x.json")
    assert refused.value.code == "empty_file"


class _Usage(NamedTuple):
    total: int
    used: int
    free: int


def test_an_upload_that_would_fill_the_disk_is_refused_before_it_is_read(
    client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _body("One")
    room = portability.DISK_MARGIN_BYTES + len(body)
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: _Usage(10 * room, 9 * room, room - 1))
    r = client.post(URL, content=body, headers=CSRF)
    assert r.status_code == 507 and r.json()["error"]["code"] == "no_room", r.text
    assert "short of disk space" in r.json()["error"]["message"]
    assert _imports(container) == [] and _kept_files(container) == []
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: _Usage(10 * room, 9 * room, room))
    assert client.post(URL, content=body, headers=CSRF).status_code == 202


def test_room_for_upload_is_decided_by_what_would_be_left() -> None:
    margin = portability.DISK_MARGIN_BYTES
    assert portability.room_for_upload(free_bytes=margin + 10, size=10) is None
    assert portability.room_for_upload(free_bytes=margin + 9, size=10) is not None
    assert portability.room_for_upload(free_bytes=0, size=0) is not None
