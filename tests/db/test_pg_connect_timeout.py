"""review22c F1: no PostgreSQL connect had a time bound, so a database host that drops packets (rather than
refusing) would hold a request, or the stream path's once-a-second read, for the operating system's minutes of
retries. Encore's engines now ask for one unless the URL names its own."""

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from encore.db import create_db_engine
from encore.db._engine import PG_CONNECT_TIMEOUT_S


def _connect_params(url: str) -> dict[str, Any]:
    engine = create_db_engine(url)
    seen: dict[str, Any] = {}

    @event.listens_for(engine, "do_connect")
    def _see(_dialect: object, _record: object, _args: object, params: dict[str, Any]) -> None:
        seen.update(params)

    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    engine.dispose()
    return seen


def test_a_postgresql_connect_is_bounded_unless_the_url_names_its_own(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to wait for")
    assert _connect_params(database_url)["connect_timeout"] == PG_CONNECT_TIMEOUT_S
    own = make_url(database_url).update_query_dict({"connect_timeout": "11"})
    assert str(_connect_params(own.render_as_string(hide_password=False))["connect_timeout"]) == "11"
