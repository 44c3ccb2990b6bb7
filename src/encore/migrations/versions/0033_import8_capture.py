"""import8 1: capture at import speed on SQLite (issue #17): no listen-counter insert trigger there, shorter
hash keys on `plays` everywhere

Revision ID: import8_1
Revises: mixes_3

- SQLite: merely having an AFTER INSERT trigger on `plays` cost 7-9 us per inserted row, even for rows its WHEN
  skips. The writers now count each statement's listens in one grouped statement (history/_counter.py); the
  delete and update triggers stay. PostgreSQL keeps its row trigger.
- Both: a text listen's client play id is "lb-" + 16 hex digits (was 40) and `match_key` the first 16 hex
  digits of its text key (was 40): new listens land at random on those two indexes, and the shorter keys cut
  a listen's insert and commit by ~7 us on SQLite (bench/history/plays_insert.py). Stored keys are cut in place,
  so the same listen submitted again is still the same row. Rows a player or Subsonic made keep their ids
  (only "lb-" + 40 hex ids of text listens are cut).
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "import8_1"
down_revision: str | None = "mixes_3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# migration story_4's trigger, as it was
_INSERT_TRIGGER = (
    "CREATE TRIGGER plays_listens_ai AFTER INSERT ON plays WHEN new.is_listen AND new.track_id IS NOT NULL AND "
    "(new.import_id IS NULL OR EXISTS (SELECT 1 FROM history_imports h WHERE h.id = new.import_id AND h.published)) "
    "BEGIN INSERT INTO track_listens (track_id, listens) VALUES (new.track_id, 1) "
    "ON CONFLICT (track_id) DO UPDATE SET listens = listens + 1; END"
)
_SQLITE_CACHE_KIB = 256 << 10  # 256 MiB of page cache for the rewrite (memory, not disk)
# a text listen's id as history.listen_play_id made it before: "lb-" and 40 hex digits
_LONG_ID = {
    "sqlite": "client_play_id GLOB 'lb-" + "[0-9a-f]" * 40 + "'",
    "postgresql": "client_play_id ~ '^lb-[0-9a-f]{40}$'",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS plays_listens_ai")
        # the rewrite touches every leaf of two indexes: with the connection's 2 MiB cache it spilled and re-read
        # them (86.7 s wall, 11.3 s CPU per million plays); given back below
        cache = bind.exec_driver_sql("PRAGMA cache_size").scalar()
        op.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
    op.execute(
        "UPDATE plays SET client_play_id = substr(client_play_id, 1, 19) "
        f"WHERE artist_name IS NOT NULL AND track_name IS NOT NULL AND {_LONG_ID[bind.dialect.name]}"
    )
    op.execute("UPDATE plays SET match_key = substr(match_key, 1, 16) WHERE length(match_key) > 16")
    if bind.dialect.name == "sqlite":
        op.execute(f"PRAGMA cache_size={int(cache or -2048)}")


def _long_id(at: datetime, key: str) -> str:
    """history.play_id before this migration (frozen here)."""
    return "lb-" + hashlib.sha256(f"{int(at.timestamp())}\x1f{key}".encode()).hexdigest()[:40]


def downgrade() -> None:
    """The old keys are made again from each row's text and time (the same functions the old code used)."""
    from encore.history import text_key  # unchanged by this migration: its folding is not copied here

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, started_at, artist_name, track_name, client_play_id, match_key FROM plays "
            "WHERE artist_name IS NOT NULL AND track_name IS NOT NULL AND "
            "(length(client_play_id) = 19 OR length(match_key) = 16)"
        )
    ).all()
    fixed = []
    for play_id, started, artist, track, client_id, key in rows:
        at = datetime.fromisoformat(started) if isinstance(started, str) else started
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        full = text_key(artist, track)
        long_id = _long_id(at, full)
        new_id = long_id if len(client_id) == 19 and long_id.startswith(client_id) else client_id
        new_key = full if key is not None and full.startswith(key) else key
        fixed.append({"id": play_id, "cid": new_id, "key": new_key})
    if fixed:
        bind.execute(sa.text("UPDATE plays SET client_play_id = :cid, match_key = :key WHERE id = :id"), fixed)
    if bind.dialect.name == "sqlite":
        op.execute(_INSERT_TRIGGER)
