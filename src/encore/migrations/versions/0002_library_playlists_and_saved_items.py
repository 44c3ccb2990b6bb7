"""library playlists and saved items

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:34:45.275270
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "playlists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=22), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_playlists_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlists")),
        sa.UniqueConstraint("public_id", name=op.f("uq_playlists_public_id")),
    )
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.create_index("ix_playlists_owner", ["owner_id", "id"], unique=False)

    op.create_table(
        "saved_albums",
        sa.Column("album_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["album_id"], ["albums.id"], name=op.f("fk_saved_albums_album_id_albums"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_albums_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("album_id", "user_id", name=op.f("pk_saved_albums")),
    )
    with op.batch_alter_table("saved_albums", schema=None) as batch_op:
        batch_op.create_index("ix_saved_albums_recent", ["user_id", "saved_at"], unique=False)

    op.create_table(
        "saved_artists",
        sa.Column("artist_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"], ["artists.id"], name=op.f("fk_saved_artists_artist_id_artists"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_artists_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("artist_id", "user_id", name=op.f("pk_saved_artists")),
    )
    with op.batch_alter_table("saved_artists", schema=None) as batch_op:
        batch_op.create_index("ix_saved_artists_recent", ["user_id", "saved_at"], unique=False)

    op.create_table(
        "playlist_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by"], ["users.id"], name=op.f("fk_playlist_items_added_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["playlist_id"], ["playlists.id"], name=op.f("fk_playlist_items_playlist_id_playlists"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_playlist_items_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlist_items")),
    )
    with op.batch_alter_table("playlist_items", schema=None) as batch_op:
        batch_op.create_index("ix_playlist_items_order", ["playlist_id", "position"], unique=False)
        batch_op.create_index(batch_op.f("ix_playlist_items_track_id"), ["track_id"], unique=False)

    op.create_table(
        "saved_tracks",
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_saved_tracks_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_tracks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("track_id", "user_id", name=op.f("pk_saved_tracks")),
    )
    with op.batch_alter_table("saved_tracks", schema=None) as batch_op:
        batch_op.create_index("ix_saved_tracks_recent", ["user_id", "saved_at"], unique=False)


def downgrade() -> None:
    for table in ("saved_tracks", "playlist_items", "saved_artists", "saved_albums", "playlists"):
        op.drop_table(table)
