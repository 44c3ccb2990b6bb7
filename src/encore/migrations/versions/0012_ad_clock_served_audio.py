"""ad clocks: audio of the last track already charged from what the byte path sent

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ad_clocks") as batch:
        batch.add_column(sa.Column("last_served_ms", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("ad_clocks") as batch:
        batch.drop_column("last_served_ms")
