"""labels: album/track availability, closed royalty statements

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_plays_user_track_started", "plays", ["user_id", "track_id", "started_at", "ms_played"], unique=False
    )
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.add_column(sa.Column("availability", sa.String(length=10), server_default="public", nullable=False))
        batch_op.add_column(sa.Column("available_from", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("availability", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("available_from", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "royalty_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("ad_cents", sa.BigInteger(), nullable=False),
        sa.Column("subscription_cents", sa.BigInteger(), nullable=False),
        sa.Column("payout_share_pct", sa.Integer(), nullable=False),
        sa.Column("streams", sa.BigInteger(), nullable=False),
        sa.Column("user_centric_unallocated_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_royalty_statements_closed_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalty_statements")),
        sa.UniqueConstraint("month", name=op.f("uq_royalty_statements_month")),
    )
    op.create_table(
        "royalty_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=True),
        sa.Column("label_name", sa.String(length=200), nullable=False),
        sa.Column("artist_public_id", sa.String(length=22), nullable=False),
        sa.Column("artist_name", sa.String(length=300), nullable=False),
        sa.Column("streams", sa.BigInteger(), nullable=False),
        sa.Column("pro_rata_cents", sa.BigInteger(), nullable=False),
        sa.Column("user_centric_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["royalty_statements.id"],
            name=op.f("fk_royalty_lines_statement_id_royalty_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalty_lines")),
    )
    op.create_index(op.f("ix_royalty_lines_statement_id"), "royalty_lines", ["statement_id"], unique=False)
    op.create_index(op.f("ix_royalty_lines_label_id"), "royalty_lines", ["label_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_plays_user_track_started", table_name="plays")
    op.drop_index(op.f("ix_royalty_lines_label_id"), table_name="royalty_lines")
    op.drop_index(op.f("ix_royalty_lines_statement_id"), table_name="royalty_lines")
    op.drop_table("royalty_lines")
    op.drop_table("royalty_statements")
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.drop_column("available_from")
        batch_op.drop_column("availability")
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.drop_column("available_from")
        batch_op.drop_column("availability")
