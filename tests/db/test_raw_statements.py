"""db.RawStatement (#16): a Core statement run on the DB-API cursor answers as SQLAlchemy's execute does, on
both databases: the same rows, aware UTC datetimes, SQLAlchemy's own errors (so a busy database is still
answered 503), and statement listeners still see it."""

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Integer, LargeBinary, bindparam, event, select, text, union_all
from sqlalchemy.exc import DBAPIError

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import RawStatement, is_busy, transaction
from encore.library import Rating

WHEN = datetime(2026, 12, 3, 14, 0, 5, 250_000, tzinfo=UTC)


def test_rows_equal_executes_with_bound_and_written_values(container: Container) -> None:
    with transaction(container.sessions) as s:
        user = create_user(s, username="raw", password="raw-password-123").id
        s.add_all(
            [
                Rating(user_id=user, kind=k, item_id=i, rating=i, rated_at=WHEN)
                for k in ("album", "track")
                for i in (1, 2)
            ]
        )
    mine = Rating.user_id == bindparam("user_id")
    statement = union_all(
        select(Rating.kind, Rating.item_id, Rating.rated_at).where(mine, Rating.kind == "album"),  # a written value
        select(Rating.kind, Rating.item_id, Rating.rated_at).where(mine, Rating.item_id == bindparam("item")),
    )
    raw = RawStatement(statement)
    with transaction(container.sessions) as s:
        got = sorted(raw.rows(s.connection(), {"user_id": user, "item": 2}))
        want = sorted(tuple(r) for r in s.execute(statement, {"user_id": user, "item": 2}))
    assert got == want and len(got) == 4
    assert got[0][2] == WHEN and got[0][2].tzinfo is not None  # aware UTC, on SQLite too


def test_errors_are_sqlalchemys_and_listeners_see_the_statement(container: Container) -> None:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(sql)

    raw = RawStatement(select(Rating.rating).where(Rating.user_id == bindparam("user_id")))
    event.listen(container.engine, "before_cursor_execute", record)
    try:
        with transaction(container.sessions) as s:
            assert raw.rows(s.connection(), {"user_id": 1}) == []
    finally:
        event.remove(container.engine, "before_cursor_execute", record)
    assert len(seen) == 1 and "ratings" in seen[0]
    broken = RawStatement(text("SELECT rating FROM no_such_table WHERE user_id = :user_id"))
    with pytest.raises(DBAPIError) as caught, transaction(container.sessions) as s:
        broken.rows(s.connection(), {"user_id": 1})
    assert not is_busy(caught.value) and caught.value.orig is not None


def test_binary_rows_equal_text_rows(container: Container) -> None:
    """`binary` (PostgreSQL's binary protocol, for the search's serialized sets): the same values, bytes included,
    as the text protocol and as SQLAlchemy's execute; on SQLite it changes nothing."""
    blob = bytes(range(256)) * 40  # every byte value, past the size PostgreSQL compresses
    statement = select(
        bindparam("blob", blob, type_=LargeBinary), bindparam("name", "Émilie"), bindparam("n", 7, type_=Integer)
    )
    formats: list[str] = []

    def record(_conn: Any, cursor: Any, *_: Any) -> None:
        formats.append(getattr(getattr(cursor, "format", None), "name", "n/a"))  # psycopg's pq.Format

    event.listen(container.engine, "before_cursor_execute", record)
    try:
        with transaction(container.sessions) as s:
            want = [tuple(r) for r in s.execute(statement)]
            as_text = RawStatement(statement).rows(s.connection(), {})
            as_binary = RawStatement(statement, binary=True).rows(s.connection(), {})
    finally:
        event.remove(container.engine, "before_cursor_execute", record)
    postgres = container.engine.dialect.name == "postgresql"
    assert formats == (["TEXT", "TEXT", "BINARY"] if postgres else ["n/a"] * 3)  # the binary one really was
    assert [tuple(r) for r in as_binary] == [tuple(r) for r in as_text] == want
    assert isinstance(as_binary[0][0], bytes) and as_binary[0][0] == blob
