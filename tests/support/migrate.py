"""Moving a test's database down or up to a revision, as an operator's `encore migrate` does (the data migration
tests: fixtrust26_1, fixmisc28_1, lead28_1), and what it then holds."""

import shutil
from collections.abc import Mapping
from pathlib import Path

from alembic import command
from sqlalchemy import Connection, MetaData, Table, insert, text

from encore.accounts import create_user
from encore.db import create_db_engine, make_sessionmaker, transaction
from encore.db._migrate import alembic_config

PASSWORD = "correct horse battery 9"


def migrated_sqlite(sqlite_template: Path, path: Path) -> Path:
    """A SQLite database at `path` (an install's `data_dir`/encore.db, or a module's own file) copied from the
    run's migrated template (the `sqlite_template` fixture): `encore migrate` or `Container.migrate` there finds
    nothing to do. Every migration again on an empty file cost ~0.3 s of CPU on a quiet machine and ~1 s on a
    loaded one, a case or module; tests/cli/test_cli.py's two `migrate` tests and tests/db still run them all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(sqlite_template, path)
    return path


def migrate_to(url: str, revision: str, *, up: bool) -> None:
    engine = create_db_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, revision)
    engine.dispose()


def insert_row(conn: Connection, table: str, **values: object) -> int:
    """One row written as the database's revision holds it, its id back: the table is read from the database (its
    columns of that time), never the ORM's model, which names every column a later migration adds (erase18_1's test
    kept a list of them to add and drop around its fill)."""
    found = Table(table, MetaData(), autoload_with=conn)
    key = conn.execute(insert(found).values(**values)).inserted_primary_key
    return int(key[0]) if key else 0


def stored_names(url: str) -> dict[str, str]:
    """Each account's stored display name by its login, read with plain SQL (at any revision, as the rows are)."""
    engine = create_db_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT username, display_name FROM users ORDER BY username")).all()
    engine.dispose()
    return {str(u): str(d) for u, d in rows}


def names_stored_at(url: str, revision: str, names: Mapping[str, str], *, then: str = "head") -> dict[str, int]:
    """Accounts made by these logins, down at `revision` given these display names as the code of that time stored
    them (plain SQL: the rules since would refuse them), then upgraded to `then`. Each login's account id."""
    engine = create_db_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        ids = {login: int(create_user(s, username=login, password=PASSWORD).id) for login in names}
    engine.dispose()
    migrate_to(url, revision, up=False)
    engine = create_db_engine(url)
    with engine.begin() as conn:
        for login, name in names.items():
            conn.execute(text("UPDATE users SET display_name = :n WHERE username = :u"), {"n": name, "u": login})
    engine.dispose()
    migrate_to(url, then, up=True)
    return ids
