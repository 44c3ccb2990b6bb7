"""subscriptions remember the provider subscription that ended for good

Revision ID: money20_1
Revises: trust19_1

A deleted Stripe subscription came back to life from a `customer.subscription.updated` (active) event stamped in
the deletion's second (probe20 F7): Stripe stamps events in whole seconds and does not order deliveries, and
only an older event was refused. Stripe never revives a deleted (`canceled`) subscription, so the id of the one
applied as ended for good is kept; no later event of that id makes it live again. Rows from before keep NULL:
their last ended subscription is not known (a row said `expired` for an unpaid or paused one too, and those
do come back). The downgrade drops the column (the older schema refuses only older events).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "money20_1"
down_revision: str | None = "trust19_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_ended_subscription_id", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("provider_ended_subscription_id")
