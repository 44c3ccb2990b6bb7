"""sign out everywhere: a generation on every credential, the account's and the server's floor

Revision ID: trustkit_2
Revises: trustkit_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "trustkit_2"
down_revision: str | None = "trustkit_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREDENTIALS = ("auth_sessions", "devices", "oauth_tokens", "listen_tokens")


def upgrade() -> None:
    epochs = op.create_table(
        "auth_epochs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("everyone_from", sa.Integer(), nullable=False),
    )
    op.bulk_insert(epochs, [{"id": 1, "current": 0, "everyone_from": 0}])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("signed_out_epoch", sa.Integer(), nullable=False, server_default="0"))
    for table in CREDENTIALS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    for table in CREDENTIALS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("epoch")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("signed_out_epoch")
    op.drop_table("auth_epochs")
