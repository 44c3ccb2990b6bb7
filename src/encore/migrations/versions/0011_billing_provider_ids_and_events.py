"""billing: payment-provider customers, subscription ids, processed webhook events; ads out of the catalogue

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_billing_customers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_customers")),
        sa.UniqueConstraint("provider", "customer_id", name="uq_billing_customers_provider_customer_id"),
        sa.UniqueConstraint("provider", "user_id", name="uq_billing_customers_provider_user_id"),
    )
    op.create_table(
        "processed_provider_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_provider_events")),
        sa.UniqueConstraint("provider", "event_id", name="uq_processed_provider_events_provider_event_id"),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_subscription_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("provider_event_at", sa.DateTime(timezone=True), nullable=True))
    for table in ("albums", "tracks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("is_ad", sa.Boolean(), server_default=sa.false(), nullable=False))
        # Partial: finds the few ads, and never lures the planner away from ordering indexes for music lists.
        op.create_index(
            f"ix_{table}_ads",
            table,
            ["id"],
            unique=False,
            sqlite_where=sa.text("is_ad = 1"),
            postgresql_where=sa.text("is_ad = true"),
        )
    # Audio already used by a campaign is ad audio from now on (and its release, when it holds nothing else).
    op.execute("UPDATE tracks SET is_ad = true WHERE id IN (SELECT track_id FROM ad_campaigns)")
    op.execute(
        "UPDATE albums SET is_ad = true WHERE id IN (SELECT album_id FROM tracks WHERE is_ad = true) "
        "AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.album_id = albums.id AND t.is_ad = false)"
    )


def downgrade() -> None:
    for table in ("tracks", "albums"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_ads")
            batch_op.drop_column("is_ad")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("provider_event_at")
        batch_op.drop_column("provider_subscription_id")
    op.drop_table("processed_provider_events")
    op.drop_table("billing_customers")
