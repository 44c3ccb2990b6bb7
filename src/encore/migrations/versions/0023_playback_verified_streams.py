"""verified streams: Encore's own record of 30 s of a track's audio sent to a listener (labels pay on these)

Revision ID: playback_1
Revises: trustkit_4
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "playback_1"
down_revision: str | None = "trustkit_4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "verified_streams",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("play_key", sa.String(length=64), nullable=False),
        sa.Column("first_byte_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audio_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_verified_streams_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_verified_streams_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verified_streams")),
        sa.UniqueConstraint("user_id", "play_key", name=op.f("uq_verified_streams_user_id")),
    )
    op.create_index("ix_verified_streams_track_at", "verified_streams", ["track_id", "first_byte_at"])
    op.create_index("ix_verified_streams_at", "verified_streams", ["first_byte_at", "user_id", "track_id"])


def downgrade() -> None:
    op.drop_index("ix_verified_streams_at", table_name="verified_streams")
    op.drop_index("ix_verified_streams_track_at", table_name="verified_streams")
    op.drop_table("verified_streams")
