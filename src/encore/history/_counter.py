"""The per-track listen counters (`track_listens`) on SQLite, kept per statement by the writers of `plays`.

Until migration import8_1 an AFTER INSERT trigger counted each new row. On SQLite merely having that trigger
on `plays` cost 7-9 us per inserted row even when its WHEN was false (bench/history/plays_insert.py: SQLite
runs a sub-program per row), a quarter of a ListenBrainz import's server CPU (issue #17). The insert's
counting now happens here, once per statement, grouped by track:
- the raw inserts (`history.store_listens`, `insert_new_plays`, an import's rows) count the rowid range
  their statements wrote (`count_written`; one insert of rows is a few multi-row statements run back to back):
  SQLite gives a new row max(rowid) + 1 and the writer holds the only write lock, so those statements' new rows
  are exactly the `rowcount` rowids ending at last_insert_rowid();
- rows the ORM inserts (a reported play, the demo's and the tests' rows) are counted after their flush
  (`_count_flushed`);
- a bulk `insert(Play)` outside the ORM's unit of work (the demo's) counts its rows with `count_written` too.
The delete and update triggers stay (a delete or a play turning into a listen is rare and one row at a time).
PostgreSQL keeps its row trigger (`track_listens_follow`), which counts inserts as before: every function here
does nothing there.
"""

from collections.abc import Iterable

from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from encore.history._models import Play

# what the removed trigger counted: a visible listen of a catalogue track (history.visible)
_COUNTED = (
    "is_listen AND track_id IS NOT NULL AND (import_id IS NULL OR EXISTS "
    "(SELECT 1 FROM history_imports h WHERE h.id = plays.import_id AND h.published))"
)
_UPSERT = "ON CONFLICT (track_id) DO UPDATE SET listens = track_listens.listens + excluded.listens"
_COUNT_RANGE = text(
    f"INSERT INTO track_listens (track_id, listens) SELECT track_id, count(*) FROM plays "  # noqa: S608 - constants
    f"WHERE id BETWEEN :first AND :last AND {_COUNTED} GROUP BY track_id {_UPSERT}"
)
_COUNT_IDS = text(
    f"INSERT INTO track_listens (track_id, listens) SELECT track_id, count(*) FROM plays "  # noqa: S608 - constants
    f"WHERE id IN :ids AND {_COUNTED} GROUP BY track_id {_UPSERT}"
).bindparams(bindparam("ids", expanding=True))


def counts_itself(conn: Connection) -> bool:
    """True where a trigger counts inserted plays (PostgreSQL), so the writer has nothing to add."""
    return conn.dialect.name != "sqlite"


def count_written(conn: Connection, *, written: int) -> None:
    """Count the listens among the `written` rows the insert just run on `conn` put into `plays` (every row it
    was given, or its statements' rowcounts summed): SQLite numbered them last_insert_rowid() - written + 1 on,
    under the write lock the transaction holds, so no other writer's rows are among them."""
    if written <= 0 or counts_itself(conn):
        return
    last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
    conn.execute(_COUNT_RANGE, {"first": last - written + 1, "last": last})


def _new_listen_ids(objects: Iterable[object]) -> list[int]:
    return [
        obj.id
        for obj in objects
        if isinstance(obj, Play) and obj.is_listen and obj.track_id is not None and obj.id is not None
    ]


@event.listens_for(Session, "after_flush")
def _count_flushed(session: Session, _context: object) -> None:
    """Plays the ORM just inserted (session.new still lists them here, with their ids) count as the trigger
    counted them; a later change of is_listen or track_id is the update trigger's."""
    ids = _new_listen_ids(session.new)
    if not ids:
        return
    conn = session.connection()
    if not counts_itself(conn):
        conn.execute(_COUNT_IDS, {"ids": ids})
