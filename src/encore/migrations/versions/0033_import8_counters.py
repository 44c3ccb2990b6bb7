"""import8 1: on SQLite the listen counters' insert trigger goes; the writers of `plays` count their own rows

Revision ID: import8_1
Revises: mixes_3

Merely having an AFTER INSERT trigger on `plays` cost SQLite 7-9 us per inserted row, even for rows its WHEN
skips (issue #17, bench/history/plays_insert.py). The writers now count each statement's listens in one grouped
statement (history/_counter.py); the delete and update triggers stay. PostgreSQL is unchanged: its row trigger
still counts inserts. No row is rewritten and the counts stay as they are, so this takes milliseconds whatever
the size of `plays`.
"""

from collections.abc import Sequence

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


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS plays_listens_ai")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_INSERT_TRIGGER)
