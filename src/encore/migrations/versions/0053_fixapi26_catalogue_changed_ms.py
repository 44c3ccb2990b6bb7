"""when the catalogue last changed

Revision ID: fixapi26_1
Revises: fixtrust26_1

Subsonic's `getIndexes` sent `lastModified: 0` and ignored `ifModifiedSince`, so a client could never keep its
artist index between visits (review25c L5). The catalogue's version row now keeps when it last moved, in ms since
the epoch (`catalog.last_changed_ms`), set by the same statement that moves the version on every catalogue write.
When changes before this revision happened is not known: the upgrade sets its own time, so a client told any
earlier time gets the whole index once. The downgrade drops the column.
"""

import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fixapi26_1"
down_revision: str | None = "fixtrust26_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("catalogue_version", sa.Column("changed_ms", sa.BigInteger(), nullable=True))  # in place
    op.execute(sa.text("UPDATE catalogue_version SET changed_ms = :now").bindparams(now=time.time_ns() // 1_000_000))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE catalogue_version DROP COLUMN changed_ms")  # in place, as 0050's downgrade
    else:
        op.drop_column("catalogue_version", "changed_ms")
