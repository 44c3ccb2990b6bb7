"""SQLite's parameters: None and bool bind through adapters `create_db_engine` registers (on Python 3.11 the
driver's adapter search built and dropped an AttributeError per such value, issue #17). What is stored must
be what the driver stored without them: NULL, 0 and 1, on every statement, raw or through SQLAlchemy."""

import sqlite3
from pathlib import Path

from sqlalchemy import text

from encore.db import create_db_engine


def test_none_and_bools_bind_as_null_and_integers(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'binds.db'}")
    assert (type(None), sqlite3.PrepareProtocol) in sqlite3.adapters  # registered: no adapter search
    assert (bool, sqlite3.PrepareProtocol) in sqlite3.adapters
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (n, yes, no)")
            conn.exec_driver_sql("INSERT INTO t VALUES (?, ?, ?)", [(None, True, False), (None, 1, 0)])
            conn.execute(text("INSERT INTO t VALUES (:n, :yes, :no)"), {"n": None, "yes": True, "no": False})
            rows = conn.exec_driver_sql("SELECT n IS NULL, typeof(n), yes, typeof(yes), no FROM t").all()
        assert [tuple(r) for r in rows] == [(1, "null", 1, "integer", 0)] * 3
    finally:
        engine.dispose()
