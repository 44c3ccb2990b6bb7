"""search engine: docs numbered by popularity with roaring-bitmap term and prefix sets (replacing FTS5 and
tsvector), the catalogue's version row, and listens rolled up per track by trigger

Revision ID: search_1
Revises: story_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "search_1"
down_revision: str | None = "story_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("artist", "album", "track")
_AD_ONLY_ARTISTS = (
    "SELECT a.id FROM artists a WHERE ("
    "EXISTS (SELECT 1 FROM album_artists aa JOIN albums al ON al.id = aa.album_id WHERE aa.artist_id = a.id AND al.is_ad) "
    "OR EXISTS (SELECT 1 FROM track_artists ta JOIN tracks t ON t.id = ta.track_id WHERE ta.artist_id = a.id AND t.is_ad)) "
    "AND NOT EXISTS (SELECT 1 FROM album_artists aa JOIN albums al ON al.id = aa.album_id "
    "WHERE aa.artist_id = a.id AND NOT al.is_ad) "
    "AND NOT EXISTS (SELECT 1 FROM track_artists ta JOIN tracks t ON t.id = ta.track_id "
    "WHERE ta.artist_id = a.id AND NOT t.is_ad)"
)
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER plays_listens_ai AFTER INSERT ON plays WHEN new.is_listen AND new.track_id IS NOT NULL BEGIN "
    "INSERT INTO track_listens (track_id, listens) VALUES (new.track_id, 1) "
    "ON CONFLICT (track_id) DO UPDATE SET listens = listens + 1; END",
    "CREATE TRIGGER plays_listens_ad AFTER DELETE ON plays WHEN old.is_listen AND old.track_id IS NOT NULL BEGIN "
    "UPDATE track_listens SET listens = listens - 1 WHERE track_id = old.track_id; END",
    "CREATE TRIGGER plays_listens_au AFTER UPDATE OF is_listen, track_id ON plays BEGIN "
    "UPDATE track_listens SET listens = listens - 1 "
    "WHERE old.is_listen AND old.track_id IS NOT NULL AND track_id = old.track_id; "
    "INSERT INTO track_listens (track_id, listens) SELECT new.track_id, 1 WHERE new.is_listen AND new.track_id IS NOT NULL "
    "ON CONFLICT (track_id) DO UPDATE SET listens = listens + 1; END",
)
_PG_FUNCTION = """
CREATE FUNCTION track_listens_follow() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_listen AND OLD.track_id IS NOT NULL THEN
    UPDATE track_listens SET listens = listens - 1 WHERE track_id = OLD.track_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.is_listen AND NEW.track_id IS NOT NULL THEN
    INSERT INTO track_listens (track_id, listens) VALUES (NEW.track_id, 1)
    ON CONFLICT (track_id) DO UPDATE SET listens = track_listens.listens + 1;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
_PG_TRIGGER = (
    "CREATE TRIGGER plays_track_listens AFTER INSERT OR DELETE OR UPDATE OF is_listen, track_id ON plays "
    "FOR EACH ROW EXECUTE FUNCTION track_listens_follow()"
)


def _drop_full_text() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for kind in KINDS:
            for event in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS search_docs_{event}_{kind}")
            op.execute(f"DROP TABLE IF EXISTS search_fts_{kind}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_docs_tsv")
        op.execute("DROP INDEX IF EXISTS ix_search_docs_kind_name_pattern")
        op.execute("ALTER TABLE search_docs DROP COLUMN IF EXISTS tsv")


def upgrade() -> None:
    _drop_full_text()
    with op.batch_alter_table("search_docs") as batch:
        batch.add_column(sa.Column("doc", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("stored_name", sa.String(500), nullable=True))
        batch.add_column(sa.Column("stored_context", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("dirty", sa.Boolean(), server_default=sa.false(), nullable=False))
    # The old index kept ads and filtered them per query; this one never holds them (catalog.mark_as_ad).
    op.execute(
        "DELETE FROM search_docs WHERE (kind = 'track' AND entity_id IN (SELECT id FROM tracks WHERE is_ad)) "
        "OR (kind = 'album' AND entity_id IN (SELECT id FROM albums WHERE is_ad)) "
        "OR (kind = 'artist' AND entity_id IN (" + _AD_ONLY_ARTISTS + "))"
    )
    # Existing docs keep their row id as a number and are dirty: `encore migrate` then builds the index.
    op.execute("UPDATE search_docs SET doc = id, dirty = true")
    with op.batch_alter_table("search_docs") as batch:
        batch.alter_column("doc", existing_type=sa.Integer(), nullable=False)
    op.create_index("ix_search_docs_kind_doc", "search_docs", ["kind", "doc"], unique=True)
    op.drop_index("ix_search_docs_kind_name", table_name="search_docs")
    op.create_index("ix_search_docs_kind_name_doc", "search_docs", ["kind", "name", "doc"])
    op.create_index(
        "ix_search_docs_dirty",
        "search_docs",
        ["kind"],
        sqlite_where=sa.text("dirty = 1"),
        postgresql_where=sa.text("dirty = true"),
    )
    op.create_table(
        "search_terms",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("term", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("rterm", sa.String(64), nullable=False),
        sa.Column("name_docs", sa.LargeBinary(), nullable=False),
        sa.Column("other_docs", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "term", name="pk_search_terms"),
    )
    op.create_index("ix_search_terms_size_term", "search_terms", ["size", "term"])
    op.create_index("ix_search_terms_size_rterm", "search_terms", ["size", "rterm"])
    op.create_table(
        "search_prefixes",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("prefix", sa.String(64), nullable=False),
        sa.Column("name_docs", sa.LargeBinary(), nullable=False),
        sa.Column("other_docs", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "prefix", name="pk_search_prefixes"),
    )
    op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalogue_version"),
    )
    op.execute("INSERT INTO catalogue_version (id, version, sets) VALUES (1, 0, 0)")
    _track_listens()


def _track_listens() -> None:
    op.create_table(
        "track_listens",
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("listens", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name="fk_track_listens_track_id_tracks", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("track_id", name="pk_track_listens"),
    )
    op.execute(
        "INSERT INTO track_listens (track_id, listens) SELECT track_id, count(*) FROM plays "
        "WHERE is_listen AND track_id IS NOT NULL GROUP BY track_id"
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("plays_listens_ai", "plays_listens_ad", "plays_listens_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS plays_track_listens ON plays")
        op.execute("DROP FUNCTION IF EXISTS track_listens_follow()")
    op.drop_table("track_listens")
    op.drop_table("catalogue_version")
    op.drop_table("search_prefixes")
    op.drop_table("search_terms")
    op.drop_index("ix_search_docs_dirty", table_name="search_docs")
    op.drop_index("ix_search_docs_kind_doc", table_name="search_docs")
    op.drop_index("ix_search_docs_kind_name_doc", table_name="search_docs")
    op.create_index("ix_search_docs_kind_name", "search_docs", ["kind", "name"])
    with op.batch_alter_table("search_docs") as batch:
        for column in ("dirty", "stored_context", "stored_name", "doc"):
            batch.drop_column(column)
