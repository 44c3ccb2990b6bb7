"""a release holding music is no ad release

Revision ID: lead28_1
Revises: fixmisc28_1

Before fixmisc28, a song tagged with a spot's album name joined the spot's release, which is unlisted, so the song
vanished with it: its album answered 404, and every later `encore ingest --ad` of the spot's file failed, its release
sharing with music (review28c L3). New files keep to a release of their own kind (`upsert_album(ad=...)`); this
upgrade repairs what was filed so before: a release holding any music track is listed again. The spots in it stay
ad audio (each track keeps its own flag, and no listing shows an ad track), so nothing an advertiser paid for
changes. The catalogue's version moves when a row changed, so every node's cached views are built again. The
downgrade changes nothing: the songs were meant to be listed.
"""

import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "lead28_1"
down_revision: str | None = "fixmisc28_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MIXED = sa.text(
    "UPDATE albums SET is_ad = :no WHERE is_ad = :yes"
    " AND EXISTS (SELECT 1 FROM tracks WHERE tracks.album_id = albums.id AND tracks.is_ad = :no)"
).bindparams(no=False, yes=True)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.execute(_MIXED).rowcount:
        now = time.time_ns() // 1_000_000
        bind.execute(
            sa.text(
                "UPDATE catalogue_version SET version = version + 1,"
                " changed_ms = CASE WHEN changed_ms IS NULL OR changed_ms < :now THEN :now ELSE changed_ms + 1 END"
            ).bindparams(now=now)
        )


def downgrade() -> None:
    pass
