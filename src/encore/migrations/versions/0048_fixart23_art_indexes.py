"""indexes for the held-back art: the taken-down albums' covers, and the albums showing a cover

Revision ID: fixart23_1
Revises: fixbill23_1

`catalog._art` reads which art a takedown holds back each time the catalogue's version moves, in every serving
process: the taken-down albums' artwork keys, then which published albums show those keys. Both were scans of every
album (review23n F9); measured on SQLite with 200,000 albums, 40 taken down: about 30 ms and 60 ms, against 0.014 and
0.045 ms with these indexes (scratch measurement, 2-core shared machine). The first is partial: taken-down albums are
few. The downgrade drops both.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fixart23_1"
down_revision: str | None = "fixbill23_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_albums_taken_down",
        "albums",
        ["taken_down_from", "artwork_key"],
        unique=False,
        sqlite_where=sa.text("taken_down_from IS NOT NULL"),
        postgresql_where=sa.text("taken_down_from IS NOT NULL"),
    )
    op.create_index("ix_albums_artwork_key", "albums", ["artwork_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_albums_artwork_key", table_name="albums")
    op.drop_index("ix_albums_taken_down", table_name="albums")
