"""A Core statement compiled once per dialect and run on the connection's own DB-API cursor.

For the few reads that run on every request of a hot face (a Subsonic key check, a listener's marks on a
page): SQLAlchemy's execute path (compiled-cache lookup, execution context, result wrapping) cost more CPU
than SQLite or PostgreSQL spent answering them (#16). Here the SQL text, its parameter order and its columns'
result processors are worked out once per dialect; a request binds its values, runs the cursor and reads
plain tuples. It runs on the caller's `Connection` (so inside its transaction, on a pooled connection), its
errors are the same `DBAPIError`s SQLAlchemy raises (so a busy database is answered as one), and statement
listeners (`before_cursor_execute`) still see it. Statements with expanding (IN-list) parameters are not
for this path: their SQL differs per request.
"""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import ClauseElement


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter names in the order the SQL wants them (positional paramstyles)
    positional: bool
    defaults: dict[str, Any]  # bound values written into the statement itself (e.g. `kind == "album"`)
    binders: dict[str, Callable[[Any], Any]]  # per-parameter bind processors the dialect asks for
    columns: tuple[Callable[[Any], Any] | None, ...]  # per-column result processors


class RawStatement:
    """`statement`, run as `rows(connection, params)`: a list of plain tuples, processed as SQLAlchemy would
    (a UTC datetime comes back aware, on SQLite too)."""

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._by_dialect: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = self._statement.compile(dialect=dialect)
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError("a raw statement cannot take expanding parameters")
        positional = bool(compiled.positional)
        named = compiled.bind_names  # bind parameter -> its name in the SQL
        names = tuple(compiled.positiontup) if positional else tuple(dict.fromkeys(named.values()))
        defaults = {name: bind.effective_value for bind, name in named.items() if not bind.required}
        binders = {
            key: proc for key, proc in (compiled._bind_processors or {}).items() if proc is not None and key in names
        }
        columns = tuple(
            column.type._cached_result_processor(dialect, None)
            for column in getattr(self._statement, "selected_columns", ())  # a bare text() has none
        )
        return _Compiled(compiled.string, names, positional, defaults, binders, columns)

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            with self._lock:
                found = self._by_dialect[dialect.name] = self._compile(dialect)
        return found

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        dialect = connection.dialect
        c = self.compiled(dialect)
        values = {**c.defaults, **params} if c.defaults else params
        if c.binders:
            values = {k: (c.binders[k](v) if k in c.binders else v) for k, v in values.items()}
        bound: Any = tuple(values[name] for name in c.names) if c.positional else {n: values[n] for n in c.names}
        dbapi_connection: Any = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            if connection._has_events or connection.engine._has_events:  # statement listeners see it as usual
                for listener in connection.dispatch.before_cursor_execute:
                    listener(connection, cursor, c.sql, bound, None, False)
            cursor.execute(c.sql, bound)
            fetched = cursor.fetchall()
        except dialect.loaded_dbapi.Error as exc:
            invalidated = dialect.is_disconnect(exc, dbapi_connection, cursor)
            if invalidated:
                connection.invalidate(exc)
            raise DBAPIError.instance(
                c.sql, bound, exc, dialect.loaded_dbapi.Error, connection_invalidated=invalidated, dialect=dialect
            ) from exc
        finally:
            cursor.close()
        if not any(c.columns):
            return [tuple(row) for row in fetched]
        procs = c.columns
        return [tuple(v if p is None else p(v) for p, v in zip(procs, row, strict=True)) for row in fetched]
