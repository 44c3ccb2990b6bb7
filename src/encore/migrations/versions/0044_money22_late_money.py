"""late money for a closed month is carried into the next open statement

Revision ID: money22_1
Revises: keys21_1

A renewal paid on a card retry after its month closed, or a refund of a payment a closed month counted, moved
no statement: its money was paid to no label (review21c F2). Closing a month now keeps what each payment had
brought it (`royalty_counted_payments`), and the first open month after it carries the difference as a stated
adjustment (`royalty_adjustments`, `royalty_adjustment_lines`). Months closed before this did not keep that
record (`payments_counted` false): what arrives for them is still not carried.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "money22_1"
down_revision: str | None = "keys21_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("royalty_statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payments_counted", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "royalty_counted_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("kept_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["royalty_statements.id"],
            name=op.f("fk_royalty_counted_payments_statement_id_royalty_statements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["subscription_payments.id"],
            name=op.f("fk_royalty_counted_payments_payment_id_subscription_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalty_counted_payments")),
        sa.UniqueConstraint("statement_id", "month", "payment_id", name="uq_royalty_counted_payments_statement_month"),
    )
    op.create_index("ix_royalty_counted_payments_month_payment", "royalty_counted_payments", ["month", "payment_id"])
    op.create_table(
        "royalty_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("for_month", sa.String(length=7), nullable=False),
        sa.Column("subscription_cents", sa.BigInteger(), nullable=False),
        sa.Column("user_centric_unallocated_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["royalty_statements.id"],
            name=op.f("fk_royalty_adjustments_statement_id_royalty_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalty_adjustments")),
        sa.UniqueConstraint("statement_id", "for_month", name="uq_royalty_adjustments_statement_month"),
    )
    op.create_index(op.f("ix_royalty_adjustments_statement_id"), "royalty_adjustments", ["statement_id"])
    op.create_table(
        "royalty_adjustment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=True),
        sa.Column("label_name", sa.String(length=200), nullable=False),
        sa.Column("artist_public_id", sa.String(length=22), nullable=False),
        sa.Column("artist_name", sa.String(length=300), nullable=False),
        sa.Column("streams", sa.BigInteger(), nullable=False),
        sa.Column("pro_rata_cents", sa.BigInteger(), nullable=False),
        sa.Column("user_centric_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["royalty_adjustments.id"],
            name=op.f("fk_royalty_adjustment_lines_adjustment_id_royalty_adjustments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_royalty_adjustment_lines")),
    )
    op.create_index(op.f("ix_royalty_adjustment_lines_adjustment_id"), "royalty_adjustment_lines", ["adjustment_id"])
    op.create_index(op.f("ix_royalty_adjustment_lines_label_id"), "royalty_adjustment_lines", ["label_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_royalty_adjustment_lines_label_id"), table_name="royalty_adjustment_lines")
    op.drop_index(op.f("ix_royalty_adjustment_lines_adjustment_id"), table_name="royalty_adjustment_lines")
    op.drop_table("royalty_adjustment_lines")
    op.drop_index(op.f("ix_royalty_adjustments_statement_id"), table_name="royalty_adjustments")
    op.drop_table("royalty_adjustments")
    op.drop_index("ix_royalty_counted_payments_month_payment", table_name="royalty_counted_payments")
    op.drop_table("royalty_counted_payments")
    with op.batch_alter_table("royalty_statements", schema=None) as batch_op:
        batch_op.drop_column("payments_counted")
