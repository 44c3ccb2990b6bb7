"""search11 1: two covering indexes for a search's new hits (issue #16)

Revision ID: search11_1
Revises: import8_1

- `tracks (album_id, is_ad, status, duration_ms)` of music tracks only (partial: not ads, published): an album
  view's track count and length read the index alone, not every track row of the album (~10 random row pages an
  album on 1M tracks: the costliest of a new search page's statements, catalog._rows `_ALBUM_COUNTS`). Partial,
  so the hidden sets' `is_ad = 1` / `status <> 'published'` keep their own small indexes: a plain index holding
  both flags was scanned whole for them instead (SQLite's plan, tests/catalog/test_hidden_sets.py).
- `search_docs (kind, doc, entity_id)`: a page's doc numbers map to entity ids from the index alone, without
  each doc's row (which holds its folded name and context). The unique `(kind, doc)` index stays: it is what
  keeps a doc number unique within its kind.

Both are kept by the database itself on every write; nothing else changes. About 8 s and ~50 MB on the 1M-track
benchmark database (SQLite).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "search11_1"
down_revision: str | None = "import8_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_tracks_album_music",
        "tracks",
        ["album_id", "is_ad", "status", "duration_ms"],  # the flags too: else SQLite (3.40) reads each row for them
        sqlite_where=sa.text("is_ad = 0 AND status = 'published'"),
        postgresql_where=sa.text("is_ad = false AND status = 'published'"),
    )
    op.create_index("ix_search_docs_kind_doc_entity", "search_docs", ["kind", "doc", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_search_docs_kind_doc_entity", table_name="search_docs")
    op.drop_index("ix_tracks_album_music", table_name="tracks")
