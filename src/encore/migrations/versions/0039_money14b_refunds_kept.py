"""refunds kept apart from payments, whatever the order of events; a deleted account's billing customer kept

Revision ID: money14b_1
Revises: money14_1

A refund (`charge.refunded`) or a lost dispute (`charge.dispute.closed`) could be lost for good: when it came
before its invoice's `invoice.paid` (or before `invoice_payment.paid` linked its payment intent to the
invoice) nothing was there to take it off, and when the account had been deleted its billing customer had
gone with it (CASCADE). Either way the event was stored as processed, so Stripe's redelivery changed nothing
and the refunded money stayed in the labels' pool.

`payment_refunds` keeps each charge's running refunded total (and each lost dispute) as it arrives; a payment
takes off what belongs to it when the payment, the refund or the link comes, in any order. Payments name
their customer (`customer_id`, backfilled from `billing_customers` where the account still exists), so a
refund is matched to the customer's own invoice without needing the account. Payments also keep what the
whole invoice was paid (`invoice_paid_cents`: tax and other products' lines included, which a payment's amount
no longer is): a refund is of that, so a payment loses only its share of it. `billing_customers.user_id` is
SET NULL, no longer CASCADE: the customer id stays known after the account is deleted.

The downgrade drops the refunds kept (what was already taken off a payment stays taken off) and the customers
of deleted accounts (the older schema cannot hold them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "money14b_1"
down_revision: str | None = "money14_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CUSTOMER_FK = "fk_billing_customers_user_id_users"


def upgrade() -> None:
    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("charge_id", sa.String(length=100), nullable=False),
        sa.Column("payment_intent", sa.String(length=100), nullable=True),
        sa.Column("invoice", sa.String(length=100), nullable=True),
        sa.Column("customer_id", sa.String(length=100), nullable=True),
        sa.Column("refunded_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
        sa.UniqueConstraint("provider", "reference", name="uq_payment_refunds_provider_reference"),
    )
    op.create_index(op.f("ix_payment_refunds_charge_id"), "payment_refunds", ["charge_id"])
    op.create_index(op.f("ix_payment_refunds_payment_intent"), "payment_refunds", ["payment_intent"])
    op.create_index(op.f("ix_payment_refunds_invoice"), "payment_refunds", ["invoice"])
    op.add_column("subscription_payments", sa.Column("customer_id", sa.String(length=100), nullable=True))
    op.add_column("subscription_payments", sa.Column("invoice_paid_cents", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE subscription_payments SET customer_id = (SELECT c.customer_id FROM billing_customers c"
        " WHERE c.provider = subscription_payments.provider AND c.user_id = subscription_payments.user_id)"
        " WHERE user_id IS NOT NULL"
    )
    with op.batch_alter_table("billing_customers") as batch:
        batch.drop_constraint(_CUSTOMER_FK, type_="foreignkey")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(_CUSTOMER_FK, "users", ["user_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.execute("DELETE FROM billing_customers WHERE user_id IS NULL")
    with op.batch_alter_table("billing_customers") as batch:
        batch.drop_constraint(_CUSTOMER_FK, type_="foreignkey")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(_CUSTOMER_FK, "users", ["user_id"], ["id"], ondelete="CASCADE")
    with op.batch_alter_table("subscription_payments") as batch:
        batch.drop_column("invoice_paid_cents")
        batch.drop_column("customer_id")
    op.drop_index(op.f("ix_payment_refunds_invoice"), table_name="payment_refunds")
    op.drop_index(op.f("ix_payment_refunds_payment_intent"), table_name="payment_refunds")
    op.drop_index(op.f("ix_payment_refunds_charge_id"), table_name="payment_refunds")
    op.drop_table("payment_refunds")
