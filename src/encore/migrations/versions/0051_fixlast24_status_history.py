"""every change of a release's status, with its time

Revision ID: fixlast24_1
Revises: fixkeys24_2

fixkeys24_2 kept only the time of a release's last status change, so an edge log's play (`encore edge
ingest-log`) was judged on that alone: a takedown restored before the log was read refused a play served while
published, and a play served while withdrawn was paid once the release was published and withdrawn again after
it (review24m F1). Each change is now a row (album, status, since), and the play is judged by the status in
force when it verified (`catalog.published_when`). The upgrade copies the one change kept so far
(`albums.status_changed_at`, where set): for changes before this revision that last one is all that is known,
so a play before it is judged as fixkeys24_2 judged it. The downgrade drops the table (the column keeps the
last change).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fixlast24_1"
down_revision: str | None = "fixkeys24_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "release_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("album_id", sa.Integer(), sa.ForeignKey("albums.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_release_status_changes_album_since", "release_status_changes", ["album_id", "since"])
    op.execute(
        "INSERT INTO release_status_changes (album_id, status, since)"
        " SELECT id, status, status_changed_at FROM albums WHERE status_changed_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_release_status_changes_album_since", table_name="release_status_changes")
    op.drop_table("release_status_changes")
