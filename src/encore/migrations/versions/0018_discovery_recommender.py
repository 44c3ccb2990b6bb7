"""discovery: precomputed track and artist neighbours, listeners' discovery settings, last run's contributors

Revision ID: discovery_1
Revises: trustholes_2
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "discovery_1"
down_revision: str | None = "trustholes_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _neighbours(name: str, entity: str) -> None:
    op.create_table(
        name,
        sa.Column(f"{entity}_id", sa.Integer(), sa.ForeignKey(f"{entity}s.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("neighbour_id", sa.Integer(), sa.ForeignKey(f"{entity}s.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("listeners", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
    )


def upgrade() -> None:
    _neighbours("discovery_track_neighbours", "track")
    _neighbours("discovery_artist_neighbours", "artist")
    op.create_table(
        "discovery_preferences",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("contribute", sa.Boolean(), nullable=False),
        sa.Column("autoplay", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "discovery_contributors",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for name in (
        "discovery_contributors", "discovery_preferences", "discovery_artist_neighbours", "discovery_track_neighbours"
    ):  # fmt: skip
        op.drop_table(name)
