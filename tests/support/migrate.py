"""Moving a test's database down or up to a revision, as an operator's `encore migrate` does (the data migration
tests: fixtrust26_1, fixmisc28_1, lead28_1), and what it then holds."""

from alembic import command
from sqlalchemy import text

from encore.db import create_db_engine
from encore.db._migrate import alembic_config


def migrate_to(url: str, revision: str, *, up: bool) -> None:
    engine = create_db_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, revision)
    engine.dispose()


def stored_names(url: str) -> dict[str, str]:
    """Each account's stored display name by its login, read with plain SQL (at any revision, as the rows are)."""
    engine = create_db_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT username, display_name FROM users ORDER BY username")).all()
    engine.dispose()
    return {str(u): str(d) for u, d in rows}
