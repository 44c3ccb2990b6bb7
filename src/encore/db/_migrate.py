"""Apply Alembic migrations programmatically (used by `encore migrate`, `make run` and the tests)."""

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def alembic_config() -> Config:
    script_location = Path(str(files("encore"))) / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
