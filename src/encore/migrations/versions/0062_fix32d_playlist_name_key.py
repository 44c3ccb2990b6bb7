"""a playlist's name folded as the public search reads it, kept beside the name

Revision ID: fix32d_1
Revises: fix32b_1

Session 31 made the public playlist search read names case-folded and accents aside (`db.unaccented_fold`) in SQL,
on every public playlist of every search, once per word: ~6x the scan of the lower() before it on PostgreSQL, 1.5 s
over 50,000 names holding a final sigma (review32a M2). `playlists.name_key` now holds the fold (`db.unaccent`, in
Python, the rule the ORM writes it by with each name), and the search is a plain LIKE over it.

The column is added NOT NULL with "" as its default (in place on both databases: SQLite cannot make a column NOT
NULL without rebuilding the table, and a rebuild with foreign keys on deletes every playlist's items), filled in
batches of `BATCH` rows by id so no statement holds the whole table, and PostgreSQL's default is then dropped (an
INSERT naming no key is refused there; the ORM and its column default always name one). The downgrade drops it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from encore.db import unaccent

revision: str = "fix32d_1"
down_revision: str | None = "fix32b_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2_000


def upgrade() -> None:
    op.add_column("playlists", sa.Column("name_key", sa.String(300), nullable=False, server_default=""))  # in place
    conn = op.get_bind()
    read = sa.text("SELECT id, name FROM playlists WHERE id > :after ORDER BY id LIMIT :n")
    write = sa.text("UPDATE playlists SET name_key = :key WHERE id = :id")
    after = 0
    while rows := conn.execute(read, {"after": after, "n": BATCH}).all():
        conn.execute(write, [{"id": pid, "key": unaccent(name)} for pid, name in rows])
        after = rows[-1][0]
    if conn.dialect.name != "sqlite":
        op.alter_column("playlists", "name_key", server_default=None)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE playlists DROP COLUMN name_key")  # in place, as 0050's downgrade
    else:
        op.drop_column("playlists", "name_key")
