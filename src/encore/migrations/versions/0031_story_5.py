"""story 5: a finished Wrapped tally per (listener, year), merged for decades (wrapped_tallies); rollups by track

Revision ID: story_5
Revises: exclusives_1

No backfill: a tally is built the first time a decade needs it and kept until a fold changes its year.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "story_5"
down_revision: str | None = "exclusives_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wrapped_tallies",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_wrapped_tallies_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "year", name=op.f("pk_wrapped_tallies")),
    )
    # the top artist's percentile reads everyone's rollups of one artist's tracks by track id
    op.create_index("ix_rollup_tracks_track", "rollup_tracks", ["track_id", "month", "user_id", "listens"])


def downgrade() -> None:
    op.drop_index("ix_rollup_tracks_track", table_name="rollup_tracks")
    op.drop_table("wrapped_tallies")
