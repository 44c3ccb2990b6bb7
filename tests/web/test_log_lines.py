"""The server's log lines (probe21b F7): a time and a level on each, and a failed request's method and path,
never its query string (stream signatures and tokens travel there)."""

import contextvars
import io
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from encore.web._log_lines import log_handler, note_request

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler, encore = log_handler(out), logging.getLogger("encore")
    encore.addHandler(handler)
    try:
        yield out
    finally:
        encore.removeHandler(handler)


def test_a_failed_request_is_logged_with_its_time_level_method_and_path(
    client: TestClient, container: Container, lines: io.StringIO
) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the line is the web face's; one database shows it")
    with container.engine.begin() as conn:  # a broken database: every log-in fails on it
        conn.exec_driver_sql("ALTER TABLE users RENAME TO users_gone")
    r = client.post("/api/auth/login?token=s3cret-token&md5=abc", json={"username": "a", "password": "long enough"})
    assert r.status_code == 500
    first = lines.getvalue().splitlines()[0]
    assert re.fullmatch(rf"{STAMP} ERROR encore\.web: database error \[POST /api/auth/login\]", first), first
    assert "s3cret" not in lines.getvalue() and "md5" not in lines.getvalue()


def test_a_forged_line_in_a_path_stays_on_its_line(lines: io.StringIO) -> None:
    """A path arrives percent-decoded: %0A is a real newline by the time it is logged."""

    def served() -> None:
        note_request({"type": "http", "method": "GET", "path": "/x\n2026-12-05 00:00:00,000 ERROR forged" + "a" * 500})
        logging.getLogger("encore.web").warning("something failed")

    contextvars.copy_context().run(served)
    logged = lines.getvalue().splitlines()
    assert len(logged) == 1 and "/x\\n2026-12-05" in logged[0] and len(logged[0]) < 420
    assert re.match(rf"{STAMP} WARNING encore\.web: something failed \[GET /x", logged[0])


def test_a_line_outside_a_request_has_no_request(lines: io.StringIO) -> None:
    contextvars.copy_context().run(lambda: logging.getLogger("encore.jobs").warning("job queue unavailable"))
    assert re.fullmatch(rf"{STAMP} WARNING encore\.jobs: job queue unavailable\n", lines.getvalue())
