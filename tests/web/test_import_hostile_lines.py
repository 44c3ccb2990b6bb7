"""A hostile JSON-lines history through the import job (probe16 F10): refused once with the line, not
"internal" after three attempts."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.jobs import Job
from tests.support.jobs import import_through_job
from tests.web.conftest import login


@pytest.mark.parametrize("filename", ["listens.jsonl", "listens/2026/12.jsonl"])
def test_a_deeply_nested_line_fails_as_malformed_json_on_the_first_attempt(
    client: TestClient, container: Container, filename: str
) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="deep", password="deep-password-1")
    login(client, "deep", "deep-password-1")
    body = b"[" * 30_000 + b"]" * 30_000 + b"\n"  # 60 KB: under the line limit
    done = import_through_job(client, container, body, filename)
    assert done["status"] == 400, done
    assert done["error"]["code"] == "malformed_json" and "line 1" in done["error"]["message"]
    with container.sessions() as s:
        job = s.scalar(select(Job).where(Job.public_id == done["job"]["id"]))
        assert job is not None and job.state == "failed" and job.attempts == 1  # a wrong input is never retried
