"""A Core statement compiled once per dialect and run on the connection's own DB-API cursor.

For the few reads that run on every request of a hot face (a Subsonic key check, a listener's marks on a page, a /v1
bearer check, a track's locks): SQLAlchemy's execute path (compiled-cache lookup, execution context, result
wrapping) cost more CPU than SQLite or PostgreSQL spent answering them (#16). Here the SQL text, its parameter order
and its columns' bind and result processors are worked out once per dialect (and, for an IN list, its text and
parameter order once per length, from the statement compiled once); a request binds its values, runs the cursor and
reads rows as named tuples. It runs on the caller's `Connection` (so inside its transaction, on a pooled
connection), its errors are the same `DBAPIError`s SQLAlchemy raises (so a busy database is answered as one, and a
dropped connection is invalidated), and statement listeners (`before_cursor_execute`) still see it. Nothing is
cached but the compiled text.
"""

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement

MOST_EXPANDED = 200  # the longest IN list: each length's text is made and kept once


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter names in the order the SQL wants them (positional paramstyles)
    positional: bool
    defaults: dict[str, Any]  # bound values written into the statement itself (e.g. `kind == "album"`)
    binders: dict[str, Callable[[Any], Any]]  # per-parameter bind processors the dialect asks for
    columns: tuple[Callable[[Any], Any] | None, ...]  # per-column result processors
    row: Any  # the named tuple of a row, or None for a statement with no selected columns (a bare text())


@dataclass(frozen=True)
class _Shape:
    """What does not depend on an IN list's length: the compiled statement, its written values, its columns."""

    compiled: Any
    defaults: dict[str, Any]
    columns: tuple[Callable[[Any], Any] | None, ...]
    row: Any


class RawStatement:
    """`RawStatement(statement)`, built once (e.g. at import, or in an lru_cache'd factory); `rows(connection,
    params)` per call: a list of named tuples, processed as SQLAlchemy would (a UTC datetime comes back aware,
    on SQLite too). At most one `expanding` bind parameter (an IN list), named here and given as a sequence of
    1 to MOST_EXPANDED values. `binary`: on PostgreSQL the rows come in the binary protocol, for statements that
    read large `bytea` values (a search's serialized sets): in text the server hex-encodes them and the driver
    decodes them, which cost ~3x the CPU on both sides for 250 kB of sets (#16); psycopg gives the same Python
    values either way."""

    def __init__(self, statement: ClauseElement, *, expanding: str | None = None, binary: bool = False) -> None:
        self._statement, self._expanding, self._binary = statement, expanding, binary
        self._compiled: dict[tuple[str, int], _Compiled] = {}
        self._shapes: dict[str, _Shape] = {}
        self._lock = threading.Lock()

    def _shape(self, dialect: Dialect) -> _Shape:
        """The statement compiled for a dialect, once: SQLAlchemy's compile and the row's named tuple cost
        ~1 ms a statement, so compiling again for each new IN-list length made a search's first deep page
        (50 ids a list) pay ~13 ms for its dozen statements (#16)."""
        found = self._shapes.get(dialect.name)
        if found is not None:
            return found
        compiled: Any = self._statement.compile(dialect=dialect)
        expanding = {name for bind, name in compiled.bind_names.items() if bind.expanding}
        if expanding != ({self._expanding} if self._expanding is not None else set()):
            raise ValueError(f"expanding parameters {sorted(expanding)} must be named as `expanding=`")
        defaults = {name: bind.effective_value for bind, name in compiled.bind_names.items() if not bind.required}
        selected = list(getattr(self._statement, "selected_columns", ()))  # a bare text() has none
        columns = tuple(column.type._cached_result_processor(dialect, None) for column in selected)
        row = namedtuple("row", [c.key or f"c{i}" for i, c in enumerate(selected)], rename=True) if selected else None
        found = self._shapes[dialect.name] = _Shape(compiled, defaults, columns, row)
        return found

    def _compile(self, dialect: Dialect, n: int) -> _Compiled:
        shape = self._shape(dialect)
        compiled = shape.compiled
        given = {self._expanding: [None] * n} if self._expanding is not None else {}
        # the statement's text for n values of the IN list (`IN (?, ?, ?)`, bound as <name>_1.._n)
        state = compiled.construct_expanded_state(compiled.construct_params(given, _check=False))
        positional = bool(compiled.positional)
        names = tuple(state.positiontup) if positional else tuple(state.parameters)
        procs = {**(compiled._bind_processors or {}), **(state.processors or {})}
        binders = {key: proc for key, proc in procs.items() if proc is not None and key in names}
        return _Compiled(state.statement, names, positional, shape.defaults, binders, shape.columns, shape.row)

    def compiled(self, dialect: Dialect, n: int = 0) -> _Compiled:
        found = self._compiled.get((dialect.name, n))
        if found is None:
            with self._lock:
                found = self._compiled[dialect.name, n] = self._compile(dialect, n)
        return found

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        dialect = connection.dialect
        values = dict(params)
        n = 0
        if self._expanding is not None:
            items = list(values.pop(self._expanding))
            n = len(items)
            if not 0 < n <= MOST_EXPANDED:
                raise ValueError(f"{self._expanding}: 1 to {MOST_EXPANDED} values, not {n}")
            values.update({f"{self._expanding}_{i + 1}": v for i, v in enumerate(items)})
        c = self.compiled(dialect, n)
        if c.defaults:
            values = {**c.defaults, **values}
        if c.binders:
            values = {k: (c.binders[k](v) if k in c.binders else v) for k, v in values.items()}
        bound: Any = tuple(values[name] for name in c.names) if c.positional else {n: values[n] for n in c.names}
        dbapi_connection: Any = connection.connection.dbapi_connection
        binary = self._binary and dialect.name == "postgresql"
        cursor = dbapi_connection.cursor(binary=True) if binary else dbapi_connection.cursor()
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
        if c.row is None:
            return [tuple(row) for row in fetched]
        make, procs = c.row._make, c.columns
        if not any(procs):
            return [make(row) for row in fetched]
        return [make(v if p is None else p(v) for p, v in zip(procs, row, strict=True)) for row in fetched]

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any | None:
        found = self.rows(connection, params)
        return found[0] if found else None


def connection_of(session: Session) -> Connection:
    """The session's connection. A session bound to a Connection (a hot read's, whose checks already ran on
    it) reads on that one directly: joining its transaction through the session costs more than the read."""
    bind = session.bind
    return bind if isinstance(bind, Connection) else session.connection()
