"""Which database errors say "this install cannot be used" (one line from the CLI) and which are a statement's own
bug (its traceback kept): on SQLite both are OperationalError, told apart by the result code (review25o M1)."""

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from encore.cli._stopped import why_stopped
from encore.db import is_driver_error


def _raised(url: str, statement: str) -> OperationalError:
    engine = create_engine(url)
    try:
        with pytest.raises(OperationalError) as caught, engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
    return caught.value


@pytest.mark.parametrize(
    "statement",
    ["SELECT nothing FROM sqlite_master", "SELECT * FROM no_such_table", "SELEC 1"],
)
def test_a_statements_own_bug_keeps_its_traceback(tmp_path: Path, statement: str) -> None:
    exc = _raised(f"sqlite:///{tmp_path / 'a.db'}", statement)
    assert not is_driver_error(exc)
    assert why_stopped(exc, None) is None
    with sqlite3.connect(tmp_path / "b.db") as raw, pytest.raises(sqlite3.OperationalError) as caught:
        raw.execute(statement)
    assert not is_driver_error(caught.value)


def test_a_file_sqlite_cannot_open_is_one_line(tmp_path: Path) -> None:
    exc = _raised(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'a.db'}", "SELECT 1")
    assert is_driver_error(exc)
    stopped = why_stopped(exc, None)
    assert stopped is not None and "refused the command" in stopped.message
