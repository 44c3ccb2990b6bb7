"""Apply Alembic migrations programmatically (used by `encore migrate`, `make run` and the tests)."""

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

# Any fixed number: nodes started together take turns migrating instead of racing (PostgreSQL).
_MIGRATION_LOCK = 0x656E636F7265  # "encore"


def alembic_config() -> Config:
    script_location = Path(str(files("encore"))) / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
