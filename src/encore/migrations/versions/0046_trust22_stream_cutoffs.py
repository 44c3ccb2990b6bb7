"""stream cutoffs in the database: a sign-out made by the CLI reaches an embedded server's byte path

Revision ID: trust22_1
Revises: fixleft22_1

Without Redis each process keeps its own shared state, so `encore user disable` or `encore security sign-out`
wrote the stream-URL cutoff into the CLI's memory only and a running server kept serving the URLs it had
issued until they expired (review22 F1). Each sign-out's generation is now also a row, which an embedded
server reads at most once a second; rows are pruned once no URL issued before them can live.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "trust22_1"
down_revision: str | None = "fixleft22_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stream_cutoffs",
        sa.Column("epoch", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_public_id", sa.String(length=22), nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("epoch"),
    )
    op.create_index(op.f("ix_stream_cutoffs_made_at"), "stream_cutoffs", ["made_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_stream_cutoffs_made_at"), table_name="stream_cutoffs")
    op.drop_table("stream_cutoffs")
