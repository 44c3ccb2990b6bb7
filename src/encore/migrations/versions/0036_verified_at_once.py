"""verified streams by listener and time (the at-once rule)

Revision ID: verified12_1
Revises: import12_1

A listener's verified streams whose first bytes lie within 30 s of each other are counted at most twice (the
track playing and the next, fetched near its end): `playback.record_verified_stream` counts them before it
writes one, by `(user_id, first_byte_at)`. Without the index that count would scan every listener's streams of
the minute. On PostgreSQL the build blocks writes to `verified_streams` for its few seconds.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "verified12_1"
down_revision: str | None = "import12_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_verified_streams_user_at", "verified_streams", ["user_id", "first_byte_at"])


def downgrade() -> None:
    op.drop_index("ix_verified_streams_user_at", table_name="verified_streams")
