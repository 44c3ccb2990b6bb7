"""Moving a test's database down or up to a revision, as an operator's `encore migrate` does (the data migration
tests: fixtrust26_1, fixmisc28_1, lead28_1)."""

from alembic import command

from encore.db import create_db_engine
from encore.db._migrate import alembic_config


def migrate_to(url: str, revision: str, *, up: bool) -> None:
    engine = create_db_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, revision)
    engine.dispose()
