"""listening story: listens kept by text, playing now, ListenBrainz tokens

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("artist_name", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("track_name", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("release_name", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("isrc", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("match_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("duration_ms", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("extra", sa.Text(), nullable=True))
        batch_op.create_index("ix_plays_match_key", ["match_key"], unique=False)

    op.create_table(
        "playing_now",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_playing_now_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_playing_now")),
    )
    op.create_table(
        "listen_tokens",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_listen_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_listen_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_listen_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("listen_tokens")
    op.drop_table("playing_now")
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.drop_index("ix_plays_match_key")
        for column in ("extra", "duration_ms", "match_key", "isrc", "release_name", "track_name", "artist_name"):
            batch_op.drop_column(column)
