"""track_listens counts only plays a reader may see: a hidden (unpublished import) play is counted when its
import publishes (history.publish_import adds the import's listens in one statement), and a hidden play
deleted or changed before that takes nothing away; the counters are recomputed from the visible plays

Revision ID: story_4
Revises: playback_2
"""

from collections.abc import Sequence

from alembic import op

revision: str = "story_4"
down_revision: str | None = "playback_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _seen(row: str) -> str:
    """SQL: the play `row` (NEW or OLD) is visible, as history.visible() says."""
    return (
        f"({row}.import_id IS NULL OR EXISTS "
        f"(SELECT 1 FROM history_imports h WHERE h.id = {row}.import_id AND h.published))"
    )


def _counted(row: str) -> str:
    return f"{row}.is_listen AND {row}.track_id IS NOT NULL AND {_seen(row)}"


_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER plays_listens_ai AFTER INSERT ON plays WHEN {_counted('new')} BEGIN "
    "INSERT INTO track_listens (track_id, listens) VALUES (new.track_id, 1) "
    "ON CONFLICT (track_id) DO UPDATE SET listens = listens + 1; END",
    f"CREATE TRIGGER plays_listens_ad AFTER DELETE ON plays WHEN {_counted('old')} BEGIN "
    "UPDATE track_listens SET listens = listens - 1 WHERE track_id = old.track_id; END",
    "CREATE TRIGGER plays_listens_au AFTER UPDATE OF is_listen, track_id ON plays BEGIN "
    f"UPDATE track_listens SET listens = listens - 1 WHERE {_counted('old')} AND track_id = old.track_id; "
    f"INSERT INTO track_listens (track_id, listens) SELECT new.track_id, 1 WHERE {_counted('new')} "
    "ON CONFLICT (track_id) DO UPDATE SET listens = listens + 1; END",
)
_OLD_SQLITE_TRIGGERS = (
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


def _pg_function(old: str, new: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION track_listens_follow() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND {old} THEN
    UPDATE track_listens SET listens = listens - 1 WHERE track_id = OLD.track_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND {new} THEN
    INSERT INTO track_listens (track_id, listens) VALUES (NEW.track_id, 1)
    ON CONFLICT (track_id) DO UPDATE SET listens = track_listens.listens + 1;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


_RECOUNT = (
    "INSERT INTO track_listens (track_id, listens) SELECT p.track_id, count(*) FROM plays p "
    "WHERE p.is_listen AND p.track_id IS NOT NULL AND {seen} GROUP BY p.track_id"
)


def _recount(seen: str) -> None:
    op.execute("DELETE FROM track_listens")
    op.execute(_RECOUNT.format(seen=seen))


def _replace(sqlite_triggers: Sequence[str], pg_function: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("plays_listens_ai", "plays_listens_ad", "plays_listens_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in sqlite_triggers:
            op.execute(statement)
    else:
        op.execute(pg_function)  # the trigger calls the function by name: replacing it is enough


def upgrade() -> None:
    _replace(_SQLITE_TRIGGERS, _pg_function(_counted("OLD"), _counted("NEW")))
    _recount(_seen("p"))


def downgrade() -> None:
    plain = "{row}.is_listen AND {row}.track_id IS NOT NULL"
    _replace(_OLD_SQLITE_TRIGGERS, _pg_function(plain.format(row="OLD"), plain.format(row="NEW")))
    _recount("TRUE")
