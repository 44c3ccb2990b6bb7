"""A database a newer release migrated (the code rolled back after `encore migrate`): refused with a sentence
that names its revision and says what to do, and left as it was (probe24a F1: Alembic's "Can't locate
revision" traceback). SQLite and PostgreSQL (whose upgrade holds the migration lock while it looks)."""

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from encore.db import SchemaNewer, alembic_config, create_db_engine, upgrade_to_head


def test_an_unknown_revision_is_refused_and_left_as_it_was(database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'fix25_9'"))
        with pytest.raises(SchemaNewer) as refused:
            upgrade_to_head(engine)
        assert refused.value.message == (
            f"This database is at fix25_9, newer than this release (whose newest is {head}): run the release "
            'that migrated it, or restore the backup taken before the upgrade (docs/deploy.md, "Going back")'
        )
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "fix25_9"
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0  # the schema is still there
        with engine.begin() as conn:  # the release that migrated it is back: this one upgrades as before
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        assert upgrade_to_head(engine).steps == 0
    finally:
        engine.dispose()
