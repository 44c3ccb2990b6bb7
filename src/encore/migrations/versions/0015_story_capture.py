"""fast capture: drop ix_plays_user_started, whose columns lead ix_plays_wrapped (user_id, started_at, ...),
so every read it served is served by that index; one b-tree fewer for each listen written (issue #17)

Revision ID: story_2
Revises: search_1
"""

from collections.abc import Sequence

from alembic import op

revision: str = "story_2"
down_revision: str | None = "search_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_plays_user_started", table_name="plays")


def downgrade() -> None:
    op.create_index("ix_plays_user_started", "plays", ["user_id", "started_at"], unique=False)
