"""wrapped snapshots and share links

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wrapped_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("built_at", _TS, nullable=False),
        sa.Column("listens", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_wrapped_snapshots_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wrapped_snapshots")),
        sa.UniqueConstraint("user_id", "period", name=op.f("uq_wrapped_snapshots_user_id")),
    )
    op.create_table(
        "wrapped_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_wrapped_shares_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wrapped_shares")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_wrapped_shares_token_hash")),
    )
    op.create_index(op.f("ix_wrapped_shares_user_id"), "wrapped_shares", ["user_id"], unique=False)
    op.create_index(
        "ix_plays_wrapped", "plays", ["user_id", "started_at", "is_listen", "track_id", "ms_played"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_plays_wrapped", table_name="plays")
    op.drop_index(op.f("ix_wrapped_shares_user_id"), table_name="wrapped_shares")
    op.drop_table("wrapped_shares")
    op.drop_table("wrapped_snapshots")
