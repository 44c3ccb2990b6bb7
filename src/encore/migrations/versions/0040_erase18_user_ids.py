"""user ids are never handed out twice on SQLite (users AUTOINCREMENT)

Revision ID: erase18_1
Revises: money14b_1

Without AUTOINCREMENT, SQLite gives a new row the largest id in the table plus one: delete the newest account
and the next sign-up gets its id. What the server keeps by that id outside the database (a play's served spans,
`adclock:spans:{id}:{track}`, an ad clock) would then belong to the new account until it expires. With
AUTOINCREMENT, SQLite keeps the largest id ever given (`sqlite_sequence`) and never goes below it. An id deleted
before this migration can still be given once more, if it was the largest: no record of it is left to tell.
PostgreSQL's sequence never gives an id twice: nothing to do there.

SQLite cannot add AUTOINCREMENT to a table: `users` is built again (batch mode: a new table, the rows copied
with their ids, the old one dropped, the new one renamed), with every column, default and constraint it had
(the unique keys, the label's foreign key; only the primary key's name `pk_users` goes, as SQLite's inline
`INTEGER PRIMARY KEY AUTOINCREMENT` carries none, and nothing refers to it by name). Every table that refers to `users` does so ON DELETE CASCADE or
SET NULL, and with foreign keys on, dropping the old table is a DELETE of every account that those keys
follow: plays, sessions, playlists... all deleted. So the rebuild runs with `PRAGMA foreign_keys=OFF`, which
SQLite ignores inside a transaction: the transaction earlier migrations of the same run opened is committed
first (each left alembic_version at its own revision, so what is committed is a consistent schema), foreign
keys are switched off and checked to be off, the rebuild runs in a transaction of its own, and it commits only
if `PRAGMA foreign_key_check` finds no row whose account is missing; foreign keys are set back as they were
found either way (on in a bare run; off under `db._migrate.upgrade_to_head`, which sets them on again itself).

The downgrade keeps AUTOINCREMENT: the older schema works the same with it, and another rebuild of `users`
would only take the same risk again. Run again, the upgrade finds AUTOINCREMENT there and does nothing.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection

revision: str = "erase18_1"
down_revision: str | None = "money14b_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _has_autoincrement(bind: Connection) -> bool:
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'").scalar()
    return "AUTOINCREMENT" in str(sql or "").upper()


def _orphans(bind: Connection) -> list[tuple[object, ...]]:
    """Rows whose account is missing (or the accounts' own broken label keys), as foreign_key_check reports."""
    rows = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
    return [tuple(r) for r in rows if r[0] == "users" or r[2] == "users"]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or _has_autoincrement(bind):
        return
    raw = bind.connection.dbapi_connection
    if raw is None:
        raise RuntimeError("no driver connection to commit on")
    raw.commit()  # PRAGMA foreign_keys is a no-op inside a transaction: end the one this run has open
    found = bind.exec_driver_sql("PRAGMA foreign_keys").scalar()
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
            raise RuntimeError("foreign keys are still on: rebuilding users would delete what refers to it")
        bind.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, then look again: another process may have done it
        if not _has_autoincrement(bind):
            before = _orphans(bind)
            if before:  # made before this run, with foreign keys off (a DELETE in the sqlite3 shell): say so
                raise RuntimeError(
                    "the database already has rows whose account is missing, so users cannot be rebuilt safely:"
                    f" {before[:5]} (table, rowid, parent, key). PRAGMA foreign_key_check lists them all; delete"
                    " them, or restore the missing accounts, then start Encore again. users was left as it was."
                )
            with op.batch_alter_table("users", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                pass
            orphans = _orphans(bind)
            if orphans:
                raise RuntimeError(f"rebuilding users left rows without their account: {orphans[:5]}")
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:  # as found: on for the tests' own runs, off under `upgrade_to_head` for the migrations after this one
        bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if found else 'OFF'}")


def downgrade() -> None:
    pass  # AUTOINCREMENT stays: see above
