"""`db.RawStatement` with an IN list: a Core SELECT on the DB-API cursor answers what Core answers, on SQLite
and PostgreSQL."""

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.exc import DBAPIError

from encore.db import RawStatement, UTCDateTime, connection_of, create_db_engine, make_sessionmaker

meta = MetaData()
things = Table(
    "plain_things",
    meta,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("flag", Boolean),
    Column("at", UTCDateTime()),
)
WHEN = datetime(2026, 12, 3, 14, 0, 0, 123456, tzinfo=UTC)
BY_NAMES = RawStatement(
    select(things.c.id, things.c.flag.label("on"), things.c.at)
    .where(things.c.name.in_(bindparam("names", expanding=True)), things.c.id > 0)
    .order_by(things.c.id),
    expanding="names",
)


def test_rows_are_typed_as_through_core_on_both_databases(database_url: str) -> None:
    engine = create_db_engine(database_url)
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(things.insert(), [{"id": i, "name": f"n{i}", "flag": i % 2 == 0, "at": WHEN} for i in range(1, 6)])
    with engine.connect() as conn:
        core = conn.execute(BY_NAMES._statement, {"names": ["n1", "n2", "n4"]}).all()
        plain = BY_NAMES.rows(conn, {"names": ["n1", "n2", "n4"]})
        assert (
            [tuple(r) for r in plain]
            == [tuple(r) for r in core]
            == [(1, False, WHEN), (2, True, WHEN), (4, True, WHEN)]
        )
        assert plain[1].on is True and plain[1].at.tzinfo is not None  # named, a bool and an aware datetime
        assert BY_NAMES.rows(conn, {"names": ["n3"]})[0].id == 3  # another length: its own statement
        assert BY_NAMES.first(conn, {"names": ["none"]}) is None
        for wrong in ([], [f"n{i}" for i in range(201)]):
            with pytest.raises(ValueError, match="1 to 200"):
                BY_NAMES.rows(conn, {"names": wrong})
        unnamed = RawStatement(BY_NAMES._statement)  # an IN list must be named: its text differs per length
        with pytest.raises(ValueError, match="expanding"):
            unnamed.rows(conn, {"names": ["n1"]})
    with engine.connect() as conn, make_sessionmaker(engine)(bind=conn) as session:  # a hot read's session
        assert connection_of(session) is conn
    meta.drop_all(engine)
    with engine.connect() as conn, pytest.raises(DBAPIError):  # a driver error leaves as Core's would
        BY_NAMES.rows(conn, {"names": ["n1"]})
    engine.dispose()


class _Counted:
    """A statement that counts how often it is compiled (RawStatement reads its columns and compiles it)."""

    def __init__(self, statement: Any) -> None:
        self.statement, self.compiles = statement, 0
        self.selected_columns = statement.selected_columns

    def compile(self, **kw: Any) -> Any:
        self.compiles += 1
        return self.statement.compile(**kw)


def test_a_new_in_list_length_does_not_compile_the_statement_again(database_url: str) -> None:
    """Compiling costs ~1 ms a statement: a search's first page of 50 ids a list compiled a dozen of them
    again, once per new length (#16). Each length still gets its own text, and answers as Core does."""
    engine = create_db_engine(database_url)
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            things.insert(), [{"id": i, "name": f"n{i}", "flag": i % 2 == 0, "at": WHEN} for i in range(1, 61)]
        )
    counted = _Counted(BY_NAMES._statement)
    raw = RawStatement(counted, expanding="names")  # type: ignore[arg-type]
    with engine.connect() as conn:
        for n in (1, 2, 50, 3, 60, 200):
            names = [f"n{i}" for i in range(1, n + 1)]
            core = conn.execute(BY_NAMES._statement, {"names": names}).all()
            assert [tuple(r) for r in raw.rows(conn, {"names": names})] == [tuple(r) for r in core]
            assert len(core) == min(n, 60)
    assert counted.compiles == 1
    meta.drop_all(engine)
    engine.dispose()
