"""Apply Alembic migrations programmatically (used by `encore migrate`, `make run` and the tests)."""

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

# Any fixed number: nodes started together take turns migrating instead of racing (PostgreSQL).
_MIGRATION_LOCK = 0x656E636F7265  # "encore"


def alembic_config() -> Config:
    script_location = Path(str(files("encore"))) / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return cfg


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade_to_head` did: from which revision (None: an empty database) to which, in how many steps."""

    before: str | None
    after: str | None
    steps: int


def _revision(conn: Connection) -> str | None:
    heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def upgrade_to_head(engine: Engine) -> Upgrade:
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        before = _revision(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        after = _revision(conn)
    if before == after or after is None:
        return Upgrade(before, after, 0)
    steps = ScriptDirectory.from_config(cfg).iterate_revisions(after, before or "base")
    return Upgrade(before, after, sum(1 for _ in steps))
