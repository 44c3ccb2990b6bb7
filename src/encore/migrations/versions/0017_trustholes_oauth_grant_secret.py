"""oauth tokens remember whether their grant was obtained with the client secret (refresh then needs it)

Revision ID: trustholes_2
Revises: trustholes_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "trustholes_2"
down_revision: str | None = "trustholes_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        # Tokens issued before this knew nothing of it: they keep refreshing as before (without the secret).
        batch_op.add_column(sa.Column("with_secret", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.drop_column("with_secret")
