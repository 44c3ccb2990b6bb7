"""exclusives can be withdrawn; a gallery exclusive has several images (exclusive_images)

Revision ID: exclusives_1
Revises: story_4
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "exclusives_1"
down_revision: str | None = "story_4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exclusives") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "exclusive_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exclusive_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("image_key", sa.String(length=64), nullable=False),
        sa.Column("caption", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["exclusive_id"],
            ["exclusives.id"],
            name=op.f("fk_exclusive_images_exclusive_id_exclusives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusive_images")),
        sa.UniqueConstraint("exclusive_id", "position", name=op.f("uq_exclusive_images_exclusive_id")),
    )
    op.create_index(op.f("ix_exclusive_images_exclusive_id"), "exclusive_images", ["exclusive_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_exclusive_images_exclusive_id"), table_name="exclusive_images")
    op.drop_table("exclusive_images")
    with op.batch_alter_table("exclusives") as batch:
        batch.drop_column("withdrawn_at")
