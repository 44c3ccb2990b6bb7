"""The database going away under the periodic tasks (the reaper, the daily submissions, the minutely upkeep) and
coming back: one line each way and no traceback (probe24a F2: a 5-second PostgreSQL outage wrote three ~120-line
"Unhandled exception in task" tracebacks). Run through huey's own `execute`, which logs any task's exception,
against the real driver's errors: the container's sessions are pointed at a port where nothing listens."""

import logging
import socket
from datetime import datetime

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from encore import history
from encore.bootstrap import Container
from encore.db import create_db_engine
from encore.jobs import Job

AT_THREE = datetime(2026, 12, 7, 3, 0)  # huey's naive UTC: every minutely task, the reaper, the daily match


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_due(c: Container, at: datetime) -> int:
    """One minute's periodic tasks, each run as a worker runs it."""
    due = c.jobs.huey.read_periodic(at)
    for task in due:
        c.jobs.huey.execute(task, at)
    return len(due)


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("encore.jobs", "huey")) and r.levelno >= logging.WARNING]


def test_a_database_outage_is_one_line_and_its_end_another(
    container: Container, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="huey")
    caplog.set_level(logging.INFO, logger="encore.jobs")
    if not database_url.startswith("postgresql"):  # SQLite has no server: a broken file stays a bug, with its trace
        broken = create_engine("sqlite:////nonexistent-dir/encore.db")
        container.sessions.configure(bind=broken)
        assert _run_due(container, AT_THREE) >= 5
        lines = _lines(caplog)
        assert lines and all(r.levelname == "ERROR" and r.exc_info for r in lines), [r.getMessage() for r in lines]
        container.sessions.configure(bind=container.engine)
        return
    away = make_url(database_url).set(host="127.0.0.1", port=_free_port()).render_as_string(hide_password=False)
    down = create_db_engine(away)
    container.sessions.configure(bind=down)  # every task's sessions: the reaper's, the folds', the drain's
    try:
        ran = sum(_run_due(container, AT_THREE.replace(minute=m)) for m in range(3))  # three minutes of outage
        assert ran >= 3 * 4
        during = _lines(caplog)
        assert [(r.levelname, r.exc_info) for r in during] == [("WARNING", None)], [r.getMessage() for r in during]
        said = during[0].getMessage()
        assert said.startswith("database unreachable ((psycopg.OperationalError) connection failed"), said
        assert "\n" not in said and "Background on this error" not in said, said
    finally:
        container.sessions.configure(bind=container.engine)
        down.dispose()
    _run_due(container, AT_THREE.replace(day=8))  # the next day's 03:00: the daily match is due again
    back = [r.getMessage() for r in _lines(caplog)[1:]]
    assert len(back) == 1 and back[0].startswith("database reachable again after "), back
    with container.sessions() as s:  # and ran: skipped runs lose nothing but their turn
        assert history.MATCH in set(s.scalars(select(Job.kind)))
