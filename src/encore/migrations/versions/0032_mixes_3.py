"""mixes 3: each track's listens and listeners, stored by the training job for the daily mixes

Revision ID: mixes_3
Revises: story_5

Empty until the next training run (the daily `discovery.train`); while it is empty the mixes job counts
plays as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "mixes_3"
down_revision: str | None = "story_5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discovery_popularity",
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("listens", sa.Integer(), nullable=False),
        sa.Column("listeners", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_discovery_popularity_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("track_id", name=op.f("pk_discovery_popularity")),
    )


def downgrade() -> None:
    op.drop_table("discovery_popularity")
