"""track lyrics: synced (LRC lines in ms) or plain, one row per track, with language and source

Revision ID: lyrics_1
Revises: story_3
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "lyrics_1"
down_revision: str | None = "story_3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "track_lyrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("synced", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=3), nullable=False),
        sa.Column("offset_ms", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_track_lyrics_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_lyrics")),
        sa.UniqueConstraint("track_id", name=op.f("uq_track_lyrics_track_id")),
    )


def downgrade() -> None:
    op.drop_table("track_lyrics")
