"""verified streams outlive the listener's link to them: forgetting history or deleting the account sets
user_id NULL (the financial record stays, de-identified) instead of deleting the row; the duplicate guard is
play_key alone (a keyed hash naming the listener), since a NULL user_id never conflicts

Revision ID: playback_2
Revises: mixes_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "playback_2"
down_revision: str | None = "mixes_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_verified_streams_user_id_users"
_OLD_UQ = "uq_verified_streams_user_id"  # (user_id, play_key)
_UQ = "uq_verified_streams_play_key"


def upgrade() -> None:
    # Keys written before (the track and the first byte, unique per listener only) never equal the keyed
    # hashes written from now on, so they guard nothing: each becomes unique by its row
    op.execute("UPDATE verified_streams SET play_key = 'playback_1:' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table("verified_streams") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_constraint(_OLD_UQ, type_="unique")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(_FK, "users", ["user_id"], ["id"], ondelete="SET NULL")
        batch.create_unique_constraint(_UQ, ["play_key"])


def downgrade() -> None:
    op.execute("DELETE FROM verified_streams WHERE user_id IS NULL")
    with op.batch_alter_table("verified_streams") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_constraint(_UQ, type_="unique")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(_FK, "users", ["user_id"], ["id"], ondelete="CASCADE")
        batch.create_unique_constraint(_OLD_UQ, ["user_id", "play_key"])
