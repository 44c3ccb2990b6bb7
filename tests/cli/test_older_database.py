"""A database an older release left (the package upgraded, `encore migrate` not run yet): every command but
`migrate` refuses it in one line and changes nothing, so that the documented "stop, back up, then `encore
migrate`" is never skipped by another command upgrading it first (review32c M3), nor ends in a traceback
(review32c M4: `user list` printed ~150 lines). `serve` refuses it in production and upgrades it, saying so in one
line, in a demo or dev install (`make run` after a pull)."""

import shutil
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from typer.testing import CliRunner

from encore.cli import app
from encore.cli._serve import upgrade_said
from encore.db import SchemaOlder, Upgrade, alembic_config, create_db_engine, older_refusal, upgrade_to_head
from tests.ingest import corpus as c
from tests.support.env import SUITE_ENV
from tests.support.migrate import migrate_to

runner = CliRunner()
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
BEFORE = ScriptDirectory.from_config(alembic_config()).get_revision(HEAD).down_revision  # the release before's


def _revision(url: str) -> str:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def older_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    path = tmp_path_factory.mktemp("older") / "encore.db"
    shutil.copy(sqlite_template, path)
    migrate_to(f"sqlite:///{path}", str(BEFORE), up=False)
    return path


@pytest.fixture
def older(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, older_template: Path) -> str:
    """An install whose database is at the release before's revision; its URL."""
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    shutil.copy(older_template, tmp_path / "var" / "encore.db")
    return f"sqlite:///{tmp_path / 'var' / 'encore.db'}"


COMMANDS = [
    ["user", "list"],
    ["user", "create", "bob", "--password", "long-password-1"],
    ["user", "disable", "bob"],
    ["jobs", "list"],
    ["jobs", "show", "abc"],
    ["outbox", "list"],
    ["search", "rebuild"],
    ["catalog", "find", "x"],
    ["wrapped", "build", "--year", "2024"],
    ["security", "report"],
    ["keys", "rotate"],
    ["nginx-config"],
    ["edge", "ingest-log", "edge.log"],
    ["billing", "backfill", "--since", "2026-01-01"],
    ["ingest", "music"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_every_command_but_migrate_refuses_an_older_database_in_one_line(older: str, args: list[str]) -> None:
    Path("edge.log").write_text("")
    Path("music").mkdir()
    c.write_flac(Path("music") / "a.flac", c.tone(1.0, 440), title="Song", artist="Band", album="Album")
    done = runner.invoke(app, args)
    said = " ".join(done.output.split())
    assert done.exit_code == 1, done.output
    assert f"Refused: This database is at {BEFORE}, older than this release (whose newest is {HEAD})" in said
    assert "back it up, then run `encore migrate`" in said
    assert "Traceback" not in done.output
    assert _revision(older) == BEFORE  # nothing changed


def test_migrate_upgrades_it_and_then_the_commands_run(older: str) -> None:
    done = runner.invoke(app, ["migrate"])
    assert done.exit_code == 0 and f"Upgraded from {BEFORE} to {HEAD} (1 migration)" in done.output, done.output
    assert runner.invoke(app, ["user", "list"]).exit_code == 0


def test_serve_in_production_refuses_it(older: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A systemd restart after a package upgrade: refused until the operator backs up and migrates."""
    monkeypatch.setenv("ENCORE_MODE", "production")
    monkeypatch.setenv("ENCORE_SECRET_KEY", "k" * 48)
    for name in SUITE_ENV:  # a production server refuses the suite's cheap password hashing
        monkeypatch.delenv(name, raising=False)
    done = runner.invoke(app, ["serve", "--port", "30511"])
    assert done.exit_code == 1 and "older than this release" in done.output, done.output
    assert _revision(older) == BEFORE


def test_a_new_install_is_still_made_at_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty database (a new PostgreSQL one, or the file `build` makes) is no older release's: `encore user
    create`, an install's first step there, makes the schema."""
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "encore.db").touch()
    done = runner.invoke(app, ["user", "create", "alice", "--password", "long-password-1"])
    assert done.exit_code == 0, done.output
    assert _revision(f"sqlite:///{tmp_path / 'var' / 'encore.db'}") == HEAD


def test_upgrade_refused_leaves_the_database_as_it_was(database_url: str) -> None:
    """The rule inside the migration's own transaction (and PostgreSQL's migration lock), on both databases."""
    migrate_to(database_url, str(BEFORE), up=False)
    engine = create_db_engine(database_url)
    try:
        with pytest.raises(SchemaOlder):
            upgrade_to_head(engine, upgrade_older=False)
        assert _revision(database_url) == BEFORE
        assert upgrade_to_head(engine, upgrade_older=True).steps == 1
    finally:
        engine.dispose()


def test_the_rule_alone() -> None:
    assert older_refusal(None, "h", may_upgrade=False) is None  # empty: created at head
    assert older_refusal("h", "h", may_upgrade=False) is None
    assert older_refusal("g", "h", may_upgrade=True) is None
    assert "This database is at g, older than this release (whose newest is h)" in str(
        older_refusal("g", "h", may_upgrade=False)
    )


def test_serve_says_in_one_line_what_it_upgraded() -> None:
    assert upgrade_said(Upgrade("a", "c", 2)) == "Upgraded the database from a to c (2 migration(s)) at start"
    assert upgrade_said(Upgrade(None, "c", 60)) is None  # a new install
    assert upgrade_said(Upgrade("c", "c", 0)) is None
