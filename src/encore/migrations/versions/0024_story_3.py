"""story 3: Wrapped reads monthly rollups; imports publish all at once

Revision ID: story_3
Revises: playback_1

Backfill: every (listener, month) that has plays is marked for folding; `history.fold` builds its rollups
(Wrapped folds a listener's marks before reading, the import and forget jobs fold theirs, and
`encore wrapped build` folds everyone's first). Marking is idempotent: running it again only re-marks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "story_3"
down_revision: str | None = "playback_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONTH = {
    "sqlite": "CAST(substr(started_at, 1, 4) AS INTEGER) * 100 + CAST(substr(started_at, 6, 2) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(YEAR FROM started_at AT TIME ZONE 'UTC') * 100 "
    "+ EXTRACT(MONTH FROM started_at AT TIME ZONE 'UTC') AS INTEGER)",
}


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "history_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("history_imports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_imports")),
    )
    op.create_index("ix_history_imports_user_digest", "history_imports", ["user_id", "digest"])
    # no foreign key (see history.Play.import_id): a plain ADD COLUMN, no copy of `plays` on SQLite
    op.add_column("plays", sa.Column("import_id", sa.Integer(), nullable=True))
    op.create_table(
        "rollup_tracks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(length=40), nullable=False),
        sa.Column("listens", sa.Integer(), nullable=False),
        sa.Column("ms", sa.BigInteger(), nullable=False),
        sa.Column("artist_name", sa.String(length=512), nullable=True),
        sa.Column("track_name", sa.String(length=512), nullable=True),
        sa.Column("release_name", sa.String(length=512), nullable=True),
        _user_fk("rollup_tracks"),
        sa.PrimaryKeyConstraint("user_id", "month", "track_id", "text_key", name=op.f("pk_rollup_tracks")),
    )
    op.create_table(
        "rollup_hours",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("day", sa.SmallInteger(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("listens", sa.Integer(), nullable=False),
        sa.Column("ms", sa.BigInteger(), nullable=False),
        _user_fk("rollup_hours"),
        sa.PrimaryKeyConstraint("user_id", "month", "day", "hour", name=op.f("pk_rollup_hours")),
    )
    op.create_table(
        "rollup_dirty",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        _user_fk("rollup_dirty"),
        sa.PrimaryKeyConstraint("user_id", "month", name=op.f("pk_rollup_dirty")),
    )
    month = _MONTH[op.get_bind().dialect.name]
    op.execute(f"INSERT INTO rollup_dirty (user_id, month, generation) SELECT DISTINCT user_id, {month}, 1 FROM plays")


def downgrade() -> None:
    op.drop_table("rollup_dirty")
    op.drop_table("rollup_hours")
    op.drop_table("rollup_tracks")
    op.execute("ALTER TABLE plays DROP COLUMN import_id")  # in place on both (SQLite >= 3.35): triggers stay
    op.drop_table("history_imports")
