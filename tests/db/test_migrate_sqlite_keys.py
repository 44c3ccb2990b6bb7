"""SQLite migrations run with foreign keys off (Alembic's batch mode rebuilds a table by copy, drop and rename;
with keys on, the drop cascades onto the tables that refer to it: money22_1's first draft emptied royalty_lines
so), for the whole run (erase18_1, which switches them off for its own rebuild, puts them back as it found them),
and hand the connection back with keys on."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations

from encore.db import create_db_engine
from encore.db._migrate import _sqlite_keys_off, alembic_config, upgrade_to_head


def _world(conn: sa.Connection) -> None:
    conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.exec_driver_sql(
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL "
        "REFERENCES parent (id) ON DELETE CASCADE)"
    )
    conn.exec_driver_sql("INSERT INTO parent (id) VALUES (1)")
    conn.exec_driver_sql("INSERT INTO child (id, parent_id) VALUES (1, 1), (2, 1)")


def _rebuild_parent(conn: sa.Connection) -> None:
    with Operations(MigrationContext.configure(conn)).batch_alter_table("parent", recreate="always") as batch:
        batch.add_column(sa.Column("flag", sa.Boolean(), server_default=sa.false(), nullable=False))


@pytest.mark.parametrize("guarded", [True, False])
def test_a_batch_rebuild_keeps_the_rows_that_refer_to_it_only_with_keys_off(tmp_path: Path, guarded: bool) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    with engine.begin() as conn:
        _world(conn)
    with engine.connect() as conn:
        if guarded:
            with _sqlite_keys_off(conn), conn.begin():
                _rebuild_parent(conn)
        else:
            with conn.begin():
                _rebuild_parent(conn)
    with engine.connect() as conn:
        children = conn.exec_driver_sql("SELECT count(*) FROM child").scalar_one()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1  # back on for whoever comes next
    assert children == (2 if guarded else 0)  # unguarded: the hazard the guard is for
    engine.dispose()


@pytest.mark.parametrize("keys", [0, 1])
def test_erase18_puts_the_keys_back_as_it_found_them(tmp_path: Path, keys: int) -> None:
    """Under upgrade_to_head (keys off) every later migration must still run with keys off; erase18_1 switched
    them on at its end, so a later batch rebuild would have cascaded again."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'e.db'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "money14b_1")
    with engine.connect() as conn:
        conn.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={keys}")  # type: ignore[union-attr]
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "erase18_1")
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == keys
        conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    engine.dispose()


def test_a_reference_already_dangling_does_not_stop_a_start(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'd.db'}")
    upgrade_to_head(engine)
    with engine.connect() as conn:
        conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        with conn.begin():  # what the sqlite3 shell can leave: a row whose account is gone
            conn.exec_driver_sql("INSERT INTO discovery_contributors (user_id, trained_at) VALUES (999, '2026-01-01')")
        conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    assert upgrade_to_head(engine).steps == 0
    engine.dispose()


def test_upgrade_to_head_hands_back_a_connection_with_keys_on(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'h.db'}")
    done = upgrade_to_head(engine)
    assert done.steps > 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    engine.dispose()
