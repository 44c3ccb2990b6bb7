"""one-time codes that complete a forced password reset

Revision ID: trust19_1
Revises: erase18_1

A forced reset (`encore security force-reset`, the admin's button) could be completed by whoever knew the
current password, which after a leak is the attacker: they chose the new one and the owner was locked out
(probe19 F3). Each forced reset now issues the account a one-time code for the operator to hand over out of
band; choosing the new password needs it. Only its SHA-256 is kept, with when it expires. The downgrade drops
the codes (the older schema completes a reset with the password alone).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "trust19_1"
down_revision: str | None = "erase18_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_reset_codes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_password_reset_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_password_reset_codes")),
    )


def downgrade() -> None:
    op.drop_table("password_reset_codes")
