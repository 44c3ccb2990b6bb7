"""A Core SELECT run on the connection's own DB-API cursor: for the reads made on every request (a /v1 bearer
check, a track's locks), where SQLAlchemy's execution and result layers cost several times the query.

The statement is compiled once per dialect and list length; rows come back as named tuples with the column
types' result processors applied (a SQLite datetime string is a UTC datetime, as through Core). Nothing is
cached but the compiled text. A driver error leaves as SQLAlchemy's `DBAPIError`, as through Core, so a busy
database is told apart the same way (`db.is_busy`).
"""

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

_MOST_EXPANDED = 200  # longer lists are refused: each length is compiled and kept once


class _Compiled(NamedTuple):
    sql: str
    names: tuple[str, ...] | None  # positional drivers (sqlite3): the parameters' order; None: by name
    constants: dict[str, Any]  # the statement's own literals (`id = 1`), bound like Core binds them
    processors: tuple[Callable[[Any], Any] | None, ...]
    row: type


class Plain:
    """`Plain(select(...))`, built once (e.g. at import); `rows(conn, {...})` per call. At most one
    `expanding` bind parameter (an IN list), given as a sequence."""

    def __init__(self, statement: Select[*tuple[Any, ...]], *, expanding: str | None = None) -> None:
        self._statement, self._expanding = statement, expanding
        self._compiled: dict[tuple[str, int], _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        values = dict(params)
        n = 0
        if self._expanding is not None:
            items = list(values.pop(self._expanding))
            n = len(items)
            if not 0 < n <= _MOST_EXPANDED:
                raise ValueError(f"{self._expanding}: 1 to {_MOST_EXPANDED} values")
            values.update({f"{self._expanding}_{i + 1}": v for i, v in enumerate(items)})
        compiled = self._for(conn.dialect, n)
        bound = {**compiled.constants, **values}
        args: Any = bound if compiled.names is None else tuple(bound[k] for k in compiled.names)
        raw = conn.connection.dbapi_connection
        if raw is None:
            raise RuntimeError("connection closed")
        cursor = raw.cursor()
        try:
            cursor.execute(compiled.sql, args)
            fetched = cursor.fetchall()
        except conn.dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(compiled.sql, args, error, conn.dialect.loaded_dbapi.Error) from error
        finally:
            cursor.close()
        processors, row = compiled.processors, compiled.row
        return [row(*(v if p is None else p(v) for p, v in zip(processors, r, strict=True))) for r in fetched]

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        found = self.rows(conn, params)
        return found[0] if found else None

    def _for(self, dialect: Dialect, n: int) -> _Compiled:
        key = (dialect.name, n)
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled[key] = self._compile(dialect, n)
        return found

    def _compile(self, dialect: Dialect, n: int) -> _Compiled:
        compiled = self._statement.compile(dialect=dialect)
        # the statement's text for n values of the IN list (`IN (?, ?, ?)`, bound as <param>_1.._n) and its
        # own literals (`id = 1`), bound as Core binds them; the caller's parameters are put over these
        given = {self._expanding: [None] * n} if self._expanding is not None else {}
        state = compiled.construct_expanded_state(compiled.construct_params(given, _check=False))
        supplied = {f"{self._expanding}_{i + 1}" for i in range(n)}
        constants = {k: v for k, v in state.parameters.items() if k not in supplied}
        columns = list(self._statement.selected_columns)
        processors = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        names = tuple(state.positiontup) if compiled.positional and state.positiontup else None
        row = namedtuple("row", [c.key or f"c{i}" for i, c in enumerate(columns)])  # type: ignore[misc]
        return _Compiled(state.statement, names, constants, processors, row)


def connection_of(session: Session) -> Connection:
    """The session's connection. A session bound to a Connection (a hot read's, whose checks already ran on
    it) reads on that one directly: joining its transaction through the session costs more than the read."""
    bind = session.bind
    return bind if isinstance(bind, Connection) else session.connection()
