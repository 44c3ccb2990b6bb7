"""mixes: each listener's Daily Mixes, Discover Weekly and Release Radar, built by jobs

Revision ID: mixes_1
Revises: drafts_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "mixes_1"
down_revision: str | None = "drafts_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discovery_mixes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=22), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("track_ids", sa.Text(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_playlist", sa.String(length=22), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_discovery_mixes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_mixes")),
        sa.UniqueConstraint("public_id", name=op.f("uq_discovery_mixes_public_id")),
        sa.UniqueConstraint("user_id", "kind", "slot", name=op.f("uq_discovery_mixes_user_id")),
    )


def downgrade() -> None:
    op.drop_table("discovery_mixes")
