"""verified streams outlive the listener's link to them: forgetting history or deleting the account sets
user_id NULL (the financial record stays, de-identified) instead of deleting the row

Revision ID: playback_2
Revises: playback_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "playback_2"
down_revision: str | None = "mixes_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_verified_streams_user_id_users"


def upgrade() -> None:
    with op.batch_alter_table("verified_streams") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(_FK, "users", ["user_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.execute("DELETE FROM verified_streams WHERE user_id IS NULL")
    with op.batch_alter_table("verified_streams") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(_FK, "users", ["user_id"], ["id"], ondelete="CASCADE")
