"""A savepoint nests inside the request's transaction on SQLite as on PostgreSQL: Python's sqlite3 (3.11) sends
BEGIN only before a write statement, so a SAVEPOINT coming first opened the transaction itself and its RELEASE
committed it, beyond the outer rollback's reach (fixcost19: a job queued by a failed request stayed queued)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from encore.db import create_db_engine, make_sessionmaker


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'sp.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield make_sessionmaker(engine)
    engine.dispose()


def _rows(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as s:
        return [r[0] for r in s.execute(text("SELECT x FROM t ORDER BY x"))]


@pytest.mark.parametrize("read_first", [False, True])
def test_a_released_savepoint_is_undone_by_the_outer_rollback(
    sessions: sessionmaker[Session], read_first: bool
) -> None:
    with sessions() as s, s.begin():
        if read_first:
            s.execute(text("SELECT count(*) FROM t"))  # a read opens no transaction in sqlite3
        with s.begin_nested():
            s.execute(text("INSERT INTO t VALUES (1)"))
        s.rollback()
    assert _rows(sessions) == []


def test_a_savepoint_after_a_write_and_a_commit_keep_working(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        s.execute(text("INSERT INTO t VALUES (1)"))
        with s.begin_nested():
            s.execute(text("INSERT INTO t VALUES (2)"))
        point = s.begin_nested()
        s.execute(text("INSERT INTO t VALUES (3)"))
        point.rollback()  # only the last write is undone
    assert _rows(sessions) == [1, 2]
    with sessions() as s, s.begin(), s.begin_nested():
        s.execute(text("INSERT INTO t VALUES (4)"))
    assert _rows(sessions) == [1, 2, 4]  # and a savepoint that opened its session's transaction commits with it
