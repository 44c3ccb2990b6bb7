"""review22c F1: no PostgreSQL connect had a time bound, so a database host that drops packets (rather than
refusing) would hold a request, or the stream path's once-a-second read, for the operating system's minutes of
retries. Encore's engines now ask for one unless the URL names its own."""

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from encore.db import create_db_engine
from encore.db._engine import PG_CONNECT_TIMEOUT_S, PG_TCP


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


def _live_params(url: str) -> dict[str, str]:
    """The parameters libpq holds for a connection it made (psycopg's `info.get_parameters()`)."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            params: dict[str, str] = dbapi.info.get_parameters()  # type: ignore[attr-defined]
            return params
    finally:
        engine.dispose()


def test_a_postgresql_connection_gone_silent_is_dropped_by_tcp_unless_the_url_says_otherwise(
    database_url: str,
) -> None:
    """A connection whose peer goes silent after connecting (a host gone, the network cut) held a read for the
    operating system's minutes: keepalive probes on an idle one, and a bound on data sent and never acknowledged
    (a query), both in libpq's own parameters. A URL naming one keeps its value."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no connection to lose")
    live = _live_params(database_url)
    assert {name: live.get(name) for name in PG_TCP} == {name: str(value) for name, value in PG_TCP.items()}
    own = make_url(database_url).update_query_dict({"keepalives_idle": "60", "tcp_user_timeout": "0"})
    live = _live_params(own.render_as_string(hide_password=False))
    assert (live.get("keepalives_idle"), live.get("tcp_user_timeout"), live.get("keepalives_count")) == ("60", "0", "3")
