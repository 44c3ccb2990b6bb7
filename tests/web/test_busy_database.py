"""A busy database is never a 500 (#15 hole 2): a writer holding SQLite's lock past the wait makes other
requests answer 503 with Retry-After, and they succeed once the lock is gone."""

import sqlite3
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from encore.bootstrap import Container
from encore.web import create_app
from tests.web.conftest import PASSWORD


@pytest.fixture
def sqlite_container(container: Container) -> Container:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer lock")

    def short_wait(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=200")  # after Encore's 10 s: keeps the test fast

    event.listen(container.engine, "connect", short_wait)
    return container


@pytest.fixture
def locked(sqlite_container: Container) -> Iterator[sqlite3.Connection]:
    """Another process's long write transaction (as a big import was before #15), on its own connection."""
    path = sqlite_container.engine.url.database
    assert path
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    holder.rollback()
    holder.close()


def test_writes_during_a_long_write_lock_answer_503_and_work_after(
    sqlite_container: Container, listener: str, locked: sqlite3.Connection
) -> None:
    with TestClient(create_app(sqlite_container), base_url="http://testserver", raise_server_exceptions=False) as c:
        r = c.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "busy" and r.headers["retry-after"] == "2"
        signup = c.post("/api/auth/signup", json={"username": "newcomer", "password": PASSWORD})
        assert signup.status_code == 503
        locked.rollback()
        r = c.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
        assert r.status_code == 200
        token = r.json()["token"]
        made = c.post("/api/playlists", json={"name": "Mine"}, headers={"Authorization": f"Bearer {token}"})
        assert made.status_code in (200, 201), made.text
