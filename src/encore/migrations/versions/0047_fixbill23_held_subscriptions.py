"""the provider subscriptions an account has held, kept once the row moves on

Revision ID: fixbill23_1
Revises: trust22_1

The row holds one provider subscription. Once the listener cancelled it to its period's end and bought a new
one, an old event of the first (delivered again, or late: Stripe does not order its deliveries) was judged a
second subscription beside the new one, ended at once and its payment refunded, though the listener had used
that period and labels were paid from it (review23 F1). Each subscription applied is now kept here. The upgrade
fills it from what the rows say they held (the current subscription and the last one ended); one held before
those is not known. The downgrade drops the table.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "fixbill23_1"
down_revision: str | None = "trust22_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    held = op.create_table(
        "held_provider_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("subscription_id", sa.String(length=100), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "provider", "subscription_id", name="uq_held_provider_subscriptions_provider_subscription_id"
        ),
    )
    op.create_index(
        op.f("ix_held_provider_subscriptions_user_id"), "held_provider_subscriptions", ["user_id"], unique=False
    )
    # The provider is the customer's: a row a code or a grant moved on keeps the card subscription's ids
    rows = op.get_bind().execute(
        sa.text(
            "SELECT s.user_id, c.provider, s.provider_subscription_id, s.provider_ended_subscription_id"
            " FROM subscriptions s JOIN billing_customers c ON c.customer_id = s.provider_customer_id"
            " ORDER BY s.id"
        )
    )
    now = datetime.now(UTC)
    seen: set[tuple[str, str]] = set()
    found = []
    for user_id, provider, current, ended in rows:
        for sub_id in (current, ended):
            if sub_id is not None and (provider, sub_id) not in seen:
                seen.add((provider, sub_id))
                found.append({"user_id": user_id, "provider": provider, "subscription_id": sub_id, "held_at": now})
    if found:
        op.bulk_insert(held, found)


def downgrade() -> None:
    op.drop_index(op.f("ix_held_provider_subscriptions_user_id"), table_name="held_provider_subscriptions")
    op.drop_table("held_provider_subscriptions")
