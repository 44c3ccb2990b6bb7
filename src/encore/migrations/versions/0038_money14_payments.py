"""subscription payments: the money a payment provider received, per paid period (royalty statements' pool);
ad impressions outlive the listener's account

Revision ID: money14_1
Revises: import13_1

One subscription row per listener cannot say which months were paid: a listener who lapses and renews
later would be counted for the gap. Statements now read `subscription_payments`, one row per paid invoice
(amount, currency, the period it pays for, what was refunded of it), and `payment_links` (which charge or
payment intent paid which invoice, so a refund finds its payment). Rows are written from the payment
provider's `invoice.paid`, `invoice_payment.paid` and `charge.refunded` webhooks from now on; there is nothing to backfill (no
history of what was paid exists before this table), so open months before the upgrade show no subscription
money until the provider's events arrive. Closed months are stored copies and do not move.

An ad break's `user_id` is SET NULL when its account is deleted, no longer CASCADE: an impression played
through is money an advertiser owes and labels earned, so a recomputed month keeps it (as payments and
verified streams are kept). The downgrade drops those de-identified impressions (the older schema cannot
hold them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "money14_1"
down_revision: str | None = "import13_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AD_FK = "fk_ad_breaks_user_id_users"


def upgrade() -> None:
    op.create_table(
        "subscription_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("subscription_id", sa.String(length=100), nullable=True),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("refunded_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscription_payments_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_payments")),
        sa.UniqueConstraint("provider", "reference", name="uq_subscription_payments_provider_reference"),
    )
    op.create_index(op.f("ix_subscription_payments_user_id"), "subscription_payments", ["user_id"])
    op.create_index(op.f("ix_subscription_payments_period_end"), "subscription_payments", ["period_end"])
    op.create_table(
        "payment_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("paid_by", sa.String(length=100), nullable=False),
        sa.Column("invoice", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_links")),
        sa.UniqueConstraint("provider", "paid_by", name="uq_payment_links_provider_paid_by"),
    )
    with op.batch_alter_table("ad_breaks") as batch:
        batch.drop_constraint(_AD_FK, type_="foreignkey")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(_AD_FK, "users", ["user_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.execute("DELETE FROM ad_breaks WHERE user_id IS NULL")
    with op.batch_alter_table("ad_breaks") as batch:
        batch.drop_constraint(_AD_FK, type_="foreignkey")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(_AD_FK, "users", ["user_id"], ["id"], ondelete="CASCADE")
    op.drop_table("payment_links")
    op.drop_index(op.f("ix_subscription_payments_period_end"), table_name="subscription_payments")
    op.drop_index(op.f("ix_subscription_payments_user_id"), table_name="subscription_payments")
    op.drop_table("subscription_payments")
