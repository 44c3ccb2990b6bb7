"""The one raw insert into `plays`: rows in the driver's form, deduplicated by the (listener, client play id) key.

Two shapes of rows come here:
- full rows (tuples in `COLUMNS` order), as `insert_new_plays` and a batch of many listeners' `single`s give;
- a `Batch`: the rows of one submission or one import block, whose listener, received time, state, flags,
  source and import are the same for every row (`SHARED`). Those are bound once per statement (`?1`..`?7`)
  and each row binds only its own twelve values: the driver bound all 19 a row, and binding (the adapter
  lookups of the NULL import id and the two flags most) was ~16% of an import's CPU (issue #17).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection

from encore.history._counter import count_written

COLUMNS = (
    "user_id", "client_play_id", "track_id", "started_at", "updated_at", "ms_played", "state", "shuffle", "source",
    "is_listen", "artist_name", "track_name", "release_name", "isrc", "match_key", "duration_ms", "extra",
    "import_id", "search_text",
)  # fmt: skip
# the same for every row of one submission or import block, in this order
SHARED = ("user_id", "updated_at", "state", "shuffle", "source", "is_listen", "import_id")
OWN = tuple(c for c in COLUMNS if c not in SHARED)  # a row's own values, in this order
_WIDTH = len(OWN)
_TRACK_AT = OWN.index("track_id")
# a row in COLUMNS order from its SHARED values followed by its OWN values
_AS_ROW = itemgetter(*((SHARED + OWN).index(c) for c in COLUMNS))


@dataclass(slots=True)
class Batch:
    """Rows that share their SHARED values: `shared` holds them once, `own` every row's OWN values, row
    after row in one flat list (a statement's slice of it is a list copy, not a tuple per row)."""

    shared: tuple[Any, ...]
    own: list[Any]

    def __len__(self) -> int:
        return len(self.own) // _WIDTH

    def rows(self) -> list[tuple[Any, ...]]:
        """The full rows, in COLUMNS order."""
        own = self.own
        return [_AS_ROW(self.shared + tuple(own[at : at + _WIDTH])) for at in range(0, len(own), _WIDTH)]

    def columns(self) -> list[list[Any]]:
        """Each column's values, in COLUMNS order (PostgreSQL's arrays)."""
        n = len(self)
        shared = dict(zip(SHARED, self.shared, strict=True))
        own = {name: self.own[at::_WIDTH] for at, name in enumerate(OWN)}
        return [[shared[name]] * n if name in shared else own[name] for name in COLUMNS]

    def any_track(self) -> bool:
        own = self.own[_TRACK_AT::_WIDTH]
        return own.count(None) < len(own)


def full_row(shared: tuple[Any, ...], own: tuple[Any, ...]) -> tuple[Any, ...]:
    """One row in COLUMNS order from its SHARED and OWN values."""
    return _AS_ROW(shared + own)  # type: ignore[no-any-return]


def _values(marks: Sequence[str]) -> str:
    return f"({', '.join(marks)})"


def _insert(columns: Sequence[str], values: str) -> str:
    # built once from the constant column lists; every value is a bound parameter
    return f"INSERT INTO plays ({', '.join(columns)}) VALUES {values} ON CONFLICT DO NOTHING"  # noqa: S608


# SQLite: full rows go ROWS_PER_INSERT to a statement, the last few one a statement. The driver's executemany of a
# one-row INSERT paid a statement's reset, halt and journal bookkeeping per row, a third of the insert's CPU
# (issue #17: 53k -> 36k instructions a row under callgrind, 50 and 100 rows alike); 50 rows bind 950 values,
# within even an old SQLite's 999. ON CONFLICT without a target: the only unique key a new row can collide on is
# (user_id, client_play_id), and each row of a multi-row VALUES is inserted (or dropped) in turn, so a row
# repeated within one statement is dropped as one repeated across statements.
ROWS_PER_INSERT = 50
_INSERT_QMARK = _insert(COLUMNS, _values(["?"] * len(COLUMNS)))
_INSERT_QMARK_ROWS = _insert(COLUMNS, ", ".join([_values(["?"] * len(COLUMNS))] * ROWS_PER_INSERT))
# a Batch: ?1..?7 are the SHARED values, then each row's OWN; 80 rows bind 7 + 960 values (<= 999)
BATCH_ROWS = 80
# A Batch's columns that a whole submission often leaves NULL (a scrobbler's import: no catalogue track, release,
# ISRC, duration or additional_info): one NULL in every row of the Batch is written as NULL in the statement and
# not bound at all. The driver binds an int or a str as it is, but a None through its adapter lookup, ~1,200
# instructions each (issue #17). A column with some values binds them and its Nones as before.
_NULLABLE_AT = tuple(OWN.index(c) for c in ("track_id", "release_name", "isrc", "match_key", "duration_ms", "extra"))


@cache
def _batch_sql(rows: int, empty: frozenset[int]) -> str:
    """A statement of `rows` rows of a Batch: ?1..?7 its SHARED values, then each row's OWN values but those
    at the positions in `empty`, which are NULL."""
    shared = [f"?{n + 1}" for n in range(len(SHARED))]
    kept = _WIDTH - len(empty)
    marks = []
    for r in range(rows):
        numbers = iter(range(len(SHARED) + r * kept + 1, len(SHARED) + (r + 1) * kept + 1))
        marks.append(_values(shared + ["NULL" if at in empty else f"?{next(numbers)}" for at in range(_WIDTH)]))
    return _insert(SHARED + OWN, ", ".join(marks))


# PostgreSQL: each column as one array, unnested into rows by one statement. The driver's executemany ran the
# insert once per row, and PostgreSQL's per-statement work was most of an import's CPU there (~90 us a listen
# against SQLite's ~17, issue #17); one statement a batch leaves it the rows' own work. The arrays go in binary
# (%b): psycopg's text form of a list cost ~20 us a listen of Encore's CPU, its binary form ~1/3 of that.
_PG_TYPES = (
    "bigint", "varchar", "bigint", "timestamptz", "timestamptz", "integer", "varchar", "boolean", "varchar",
    "boolean", "varchar", "varchar", "varchar", "varchar", "varchar", "integer", "text", "bigint", "text",
)  # fmt: skip
_INSERT_UNNEST = (
    f"INSERT INTO plays ({', '.join(COLUMNS)}) "  # noqa: S608 - built once from constants
    f"SELECT * FROM unnest({', '.join(f'%b::{kind}[]' for kind in _PG_TYPES)}) ON CONFLICT DO NOTHING"
)


def insert_counted(conn: Connection, rows: Sequence[tuple[Any, ...]] | Batch) -> int:
    """The one raw insert into `plays` (full rows in COLUMNS order, or a Batch; the driver's form); how many
    were new. On SQLite the new rows' listens join the per-track counters in one grouped statement
    (history/_counter.py), and only when a row has a catalogue track: an import of unknown tracks pays nothing
    for them."""
    qmark = conn.dialect.paramstyle == "qmark"
    if isinstance(rows, Batch):
        written = _insert_batch(conn, rows) if qmark else _unnest(conn, rows.columns())
        counted = rows.any_track()
    else:
        written = _insert_rows(conn, rows) if qmark else _unnest(conn, [list(c) for c in zip(*rows, strict=True)])
        counted = any(r[2] is not None for r in rows)
    if counted:
        count_written(conn, written=written)
    return written


def _unnest(conn: Connection, columns: list[list[Any]]) -> int:
    return int(conn.exec_driver_sql(_INSERT_UNNEST, tuple(columns)).rowcount)


def _insert_rows(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    whole = len(rows) - len(rows) % ROWS_PER_INSERT
    chunks = [tuple(chain.from_iterable(rows[at : at + ROWS_PER_INSERT])) for at in range(0, whole, ROWS_PER_INSERT)]
    written = int(conn.exec_driver_sql(_INSERT_QMARK_ROWS, chunks).rowcount) if chunks else 0
    if whole < len(rows):
        written += int(conn.exec_driver_sql(_INSERT_QMARK, list(rows[whole:])).rowcount)
    return written


def _insert_batch(conn: Connection, batch: Batch) -> int:
    """BATCH_ROWS rows a statement, the rest one a statement, each binding the shared values once and no column
    that is NULL in every row."""
    shared, own, n = batch.shared, batch.own, len(batch)
    empty = [at for at in _NULLABLE_AT if own[at::_WIDTH].count(None) == n]
    if empty:  # dropped from the values, last column first (each drop leaves one column fewer a row)
        own = list(own)
        for dropped, at in enumerate(reversed(empty)):
            del own[at :: _WIDTH - dropped]
    width = _WIDTH - len(empty)
    step, nulls = BATCH_ROWS * width, frozenset(empty)
    whole = len(own) - len(own) % step
    chunks = [shared + tuple(own[at : at + step]) for at in range(0, whole, step)]
    written = int(conn.exec_driver_sql(_batch_sql(BATCH_ROWS, nulls), chunks).rowcount) if chunks else 0
    if whole < len(own):
        tail = [shared + tuple(own[at : at + width]) for at in range(whole, len(own), width)]
        written += int(conn.exec_driver_sql(_batch_sql(1, nulls), tail).rowcount)
    return written
