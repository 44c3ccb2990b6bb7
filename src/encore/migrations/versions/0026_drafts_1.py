"""label drafts: a release's status (draft | published | withdrawn); only published ones are listed

Revision ID: drafts_1
Revises: lyrics_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "drafts_1"
down_revision: str | None = "lyrics_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("albums", "tracks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("status", sa.String(length=10), server_default="published", nullable=False))
        # Partial: finds the few drafts and withdrawn releases without luring the planner from music lists.
        op.create_index(
            f"ix_{table}_unlisted",
            table,
            ["id"],
            unique=False,
            sqlite_where=sa.text("status <> 'published'"),
            postgresql_where=sa.text("status <> 'published'"),
        )


def downgrade() -> None:
    for table in ("tracks", "albums"):
        op.drop_index(f"ix_{table}_unlisted", table_name=table)
        if op.get_bind().dialect.name == "sqlite":
            # In place (SQLite >= 3.35): a batch rebuild drops the table, and with foreign keys on that
            # deletes every rendition, playlist item, verified stream and lyric that refers to it
            op.execute(f"ALTER TABLE {table} DROP COLUMN status")
        else:
            op.drop_column(table, "status")
