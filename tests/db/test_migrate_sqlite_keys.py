"""SQLite migrations run with foreign keys off (Alembic's batch mode rebuilds a table by copy, drop and rename;
with keys on, the drop cascades onto the tables that refer to it: money22_1's first draft emptied royalty_lines
so), are checked for dangling references before they commit, and hand the connection back with keys on."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from encore.db import create_db_engine
from encore.db._migrate import _keys_hold, _sqlite_keys_off, upgrade_to_head


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
                _keys_hold(conn)
        else:
            with conn.begin():
                _rebuild_parent(conn)
    with engine.connect() as conn:
        children = conn.exec_driver_sql("SELECT count(*) FROM child").scalar_one()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1  # back on for whoever comes next
    assert children == (2 if guarded else 0)  # unguarded: the hazard the guard is for
    engine.dispose()


def test_a_dangling_reference_left_by_a_migration_fails_it(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'd.db'}")
    with engine.begin() as conn:
        _world(conn)

    def migrate(conn: sa.Connection) -> None:
        with _sqlite_keys_off(conn), conn.begin():
            conn.exec_driver_sql("DELETE FROM parent")
            _keys_hold(conn)

    with engine.connect() as conn, pytest.raises(RuntimeError, match="child"):
        migrate(conn)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM parent").scalar_one() == 1  # rolled back
    engine.dispose()


def test_upgrade_to_head_hands_back_a_connection_with_keys_on(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'h.db'}")
    done = upgrade_to_head(engine)
    assert done.steps > 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    engine.dispose()
