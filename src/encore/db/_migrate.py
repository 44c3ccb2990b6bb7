"""Apply Alembic migrations programmatically (used by `encore migrate`, `make run` and the tests)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from encore.kernel import EncoreError

# Any fixed number: nodes started together take turns migrating instead of racing (PostgreSQL).
_MIGRATION_LOCK = 0x656E636F7265  # "encore"


def alembic_config() -> Config:
    script_location = Path(str(files("encore"))) / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return cfg


class SchemaNewer(EncoreError):
    """The database was migrated by a newer release: this one cannot read or upgrade it (probe24a F1: Alembic's
    "Can't locate revision" came out as a 287-line traceback when an operator rolled the code back)."""

    code = "schema_newer"


class SchemaOlder(EncoreError):
    """The database is at an older release's revision and this command may not upgrade it: only `encore migrate`
    (and `serve` outside production mode) do, so that the documented "stop, back up, then `encore migrate`" is
    never skipped by another command upgrading it first (review32c M3)."""

    code = "schema_older"


def older_refusal(current: str | None, head: str | None, *, may_upgrade: bool) -> str | None:
    """Why a command must not go on with a database at `current` when this release's newest revision is `head`, or
    None: an empty database (None) is created at head by any command, one at head is used, an older one only by a
    command that `may_upgrade` it (pure; a newer one is `_refuse_unknown`'s)."""
    if may_upgrade or current is None or current == head:
        return None
    return (
        f"This database is at {current}, older than this release (whose newest is {head}): back it up, then run "
        '`encore migrate` (docs/deploy.md, "Going back")'
    )


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade_to_head` did: from which revision (None: an empty database) to which, in how many steps."""

    before: str | None
    after: str | None
    steps: int


def _revision(conn: Connection) -> str | None:
    heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


@contextmanager
def _sqlite_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite only: foreign keys off while migrating, as Alembic's batch mode asks. A batch operation rebuilds a
    table (copy, drop, rename); with keys on, the drop cascades onto every table that refers to it with ON DELETE
    CASCADE (money22_1's first draft emptied royalty_lines so). The pragma is a no-op inside a transaction, so it
    is set before one opens, and set back on before the connection returns to the pool. Nothing checks the rows
    afterwards (a reference a migration left dangling stays so, where keys on would have deleted its row);
    erase18_1, which checks its own, puts the setting back as it found it."""
    raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
    if raw is None:
        yield
        return
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def upgrade_to_head(engine: Engine, *, upgrade_older: bool = True) -> Upgrade:
    """The schema to head. `upgrade_older=False`: a database at an older revision is refused (`SchemaOlder`), and
    nothing is changed; an empty one is still created."""
    cfg = alembic_config()
    with engine.connect() as conn, _sqlite_keys_off(conn), conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        before = _revision(conn)
        script = ScriptDirectory.from_config(cfg)
        _refuse_unknown(script, before)
        if reason := older_refusal(before, script.get_current_head(), may_upgrade=upgrade_older):
            raise SchemaOlder(reason)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        after = _revision(conn)
    if before == after or after is None:
        return Upgrade(before, after, 0)
    steps = ScriptDirectory.from_config(cfg).iterate_revisions(after, before or "base")
    return Upgrade(before, after, sum(1 for _ in steps))


def _refuse_unknown(script: ScriptDirectory, current: str | None) -> None:
    """A revision this release has no script for can only come from a newer release (the scripts are never
    removed): say so in a sentence, before Alembic fails on it."""
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(set((current or "").split(",")) - known - {""})
    if unknown:
        raise SchemaNewer(
            f"This database is at {', '.join(unknown)}, newer than this release (whose newest is "
            f"{script.get_current_head()}): run the release that migrated it, or restore the backup taken "
            'before the upgrade (docs/deploy.md, "Going back")'
        )
