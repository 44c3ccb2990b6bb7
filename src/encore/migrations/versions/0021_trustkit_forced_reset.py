"""forced password reset: an account flagged by an operator must choose a new password first

Revision ID: trustkit_3
Revises: trustkit_2
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "trustkit_3"
down_revision: str | None = "trustkit_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_reset_password", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_reset_password")
