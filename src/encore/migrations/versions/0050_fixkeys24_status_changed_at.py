"""when an album's release status last changed

Revision ID: fixkeys24_2
Revises: fixkeys24_1

A verified stream is paid only for a track published when the play verified. The byte path verifies now, so
the status now tells; an edge log (`encore edge ingest-log`) is read later, and a withdrawal or takedown kept no
time, so a play nginx served from an edge URL signed before a withdrawal, after it, was paid (the byte path
refuses it within a second). The time of the last status change is now kept. Rows changed before this column
are NULL: a release withdrawn then is taken as withdrawn before any play read after the upgrade (not paid, as
the outbox's drain does); a published one is paid. The downgrade drops the column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fixkeys24_2"
down_revision: str | None = "fixkeys24_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("albums", sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))  # in place


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite >= 3.35): a batch rebuild drops the table, and with foreign keys on that deletes every
        # track, credit and library row of every album (tests/test_migration_downgrades.py)
        op.execute("ALTER TABLE albums DROP COLUMN status_changed_at")
    else:
        op.drop_column("albums", "status_changed_at")
