"""keyring: key ids for stream URLs and stored secrets, rotated with a grace period for the previous keys

Revision ID: trustkit_4
Revises: trustkit_3
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "trustkit_4"
down_revision: str | None = "trustkit_3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retire_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("signing_keys")
