"""buy clicks: one counted click per (listener or client, item, day), enforced by a unique key

Revision ID: trustholes_1
Revises: search_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "trustholes_1"
down_revision: str | None = "search_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("buy_clicks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedup_key", sa.String(64), nullable=True))
        batch_op.create_index("ux_buy_clicks_dedup_key", ["dedup_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("buy_clicks", schema=None) as batch_op:
        batch_op.drop_index("ux_buy_clicks_dedup_key")
        batch_op.drop_column("dedup_key")
