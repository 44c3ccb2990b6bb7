"""import12 1: PostgreSQL's listen counter skips inserted rows it would not count (issue #17)

Revision ID: import12_1
Revises: search11_1

PostgreSQL counts listens per track with a row trigger on `plays` (`track_listens_follow`, migrations search_1
and story_4). It fired for every inserted row and the function itself found most of an import's rows (text
listens of tracks outside the catalogue) had nothing to count: ~10 us of PostgreSQL's CPU per such listen, a
third of a ListenBrainz import's insert there (bench/history/capture.py --postgres). The insert now has its own
trigger with a WHEN clause, which PostgreSQL evaluates without calling the function or queueing the event; the
function and the delete and update trigger are unchanged, so what is counted is the same. SQLite: nothing
(its writers count their own statements, history/_counter.py).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "import12_1"
down_revision: str | None = "search11_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOLLOW = "FOR EACH ROW EXECUTE FUNCTION track_listens_follow()"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER plays_track_listens ON plays")
    op.execute(f"CREATE TRIGGER plays_track_listens AFTER DELETE OR UPDATE OF is_listen, track_id ON plays {_FOLLOW}")
    op.execute(
        "CREATE TRIGGER plays_track_listens_insert AFTER INSERT ON plays "
        "FOR EACH ROW WHEN (NEW.is_listen AND NEW.track_id IS NOT NULL) EXECUTE FUNCTION track_listens_follow()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER plays_track_listens_insert ON plays")
    op.execute("DROP TRIGGER plays_track_listens ON plays")
    op.execute(
        f"CREATE TRIGGER plays_track_listens AFTER INSERT OR DELETE OR UPDATE OF is_listen, track_id ON plays {_FOLLOW}"
    )
