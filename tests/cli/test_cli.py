"""The command line, run in-process with typer's runner against a temp data directory."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from encore.accounts import User
from encore.bootstrap import build
from encore.catalog import Label, Track
from encore.cli import app
from tests.ingest import corpus as c

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    return tmp_path


def test_migrate_and_user_create(env: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    ok = runner.invoke(app, ["user", "create", "alice", "--password", "long-password", "--admin"])
    assert ok.exit_code == 0 and "admin" in ok.output
    again = runner.invoke(app, ["user", "create", "Alice", "--password", "long-password"])
    assert again.exit_code == 1 and "taken" in again.output


def test_user_create_makes_a_label_account(env: Path) -> None:
    """probe17b: nothing but the demo could give a label an account, so a label whose only account was deleted
    had no way back to its releases and statements."""
    ok = runner.invoke(app, ["user", "create", "fox", "--password", "long-password", "--label", "Little Fox"])
    assert ok.exit_code == 0 and "label" in ok.output, ok.output
    container = build()
    with container.sessions() as s:  # the account acts for that label (review17b: the role alone passed the old check)
        label = s.scalar(select(Label.name).join(User, User.label_id == Label.id).where(User.username == "fox"))
    container.close()
    assert label == "Little Fox"
    both = runner.invoke(app, ["user", "create", "xx", "--password", "long-password", "--label", "L", "--admin"])
    assert both.exit_code == 2 and "one or the other" in both.output
    blank = runner.invoke(app, ["user", "create", "yy", "--password", "long-password", "--label", "  "])
    assert blank.exit_code == 1 and "label needs a name" in blank.output


def test_ingest_reports_failures_and_exit_code(env: Path) -> None:
    lib = env / "lib"
    lib.mkdir()
    c.write_flac(lib / "a.flac", c.tone(1.5, 440), title="A", artist="B")
    (lib / "broken.mp3").write_bytes(b"junk" * 100)
    result = runner.invoke(app, ["ingest", str(lib), "--label", "CLI Records", "--workers", "1"])
    assert result.exit_code == 1
    assert "imported" in result.output and "broken.mp3" in result.output
    container = build()
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 1
    container.close()
    second = runner.invoke(app, ["ingest", str(lib / "a.flac")])
    assert second.exit_code == 0
    # probe21b F5: the unchanged broken file fails every run (exit 1, named), not only the first
    third = runner.invoke(app, ["ingest", str(lib), "--workers", "1"])
    assert third.exit_code == 1 and "Still failing" in third.output and "broken.mp3" in third.output, third.output


def test_production_refuses_default_secret(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_MODE", "production")
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 2 and "ENCORE_SECRET_KEY" in result.output


def test_nginx_config_is_printed(env: Path) -> None:
    result = runner.invoke(app, ["nginx-config", "--listen", "127.0.0.1:9999"])
    assert result.exit_code == 0
    assert "secure_link_md5" in result.output and "listen 127.0.0.1:9999;" in result.output
