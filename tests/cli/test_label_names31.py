"""Review31a L3 at the operator's shell, on SQLite and PostgreSQL: `encore user create --label` took a name every
listener reads reversed ("\u202eRival") and one that reads as an existing label by a Cyrillic "\u043e"; each is a
clear refusal now (exit 1), and neither the account nor a label is made."""

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from encore.accounts import User
from encore.bootstrap import build
from encore.catalog import Label
from encore.cli import app

runner = CliRunner()


@pytest.fixture
def install(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in (("MODE", "dev"), ("DATA_DIR", str(tmp_path / "var")), ("DATABASE_URL", database_url)):
        monkeypatch.setenv(f"ENCORE_{name}", value)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    return tmp_path


def _create(name: str, label: str) -> tuple[int, str]:
    done = runner.invoke(app, ["user", "create", name, "--password", "long-password", "--label", label])
    return done.exit_code, " ".join(done.output.split())


def test_user_create_refuses_a_label_name_no_listener_could_read(install: Path) -> None:
    assert _create("usg", "Universal Sound Group")[0] == 0
    code, said = _create("rival1", "\u202eRival")
    assert code == 1 and "override, embedding or isolate" in said, said  # was 0
    assert "\u202e" not in said  # the terminal shows the name's characters, never acts on them
    code, said = _create("rival2", "Universal Sound Gr\u043eup")
    assert code == 1 and "reads as the existing label 'Universal Sound Group'" in said, said  # was 0
    code, said = _create("rival3", "  ")
    assert code == 1 and "at least one visible character" in said, said
    container = build()
    with container.sessions() as s:
        assert s.scalars(select(Label.name)).all() == ["Universal Sound Group"]
        assert s.scalars(select(User.username).order_by(User.username)).all() == ["usg"]
    container.close()


def test_bytes_that_are_no_text_are_a_clear_refusal_not_a_traceback(install: Path) -> None:
    """A shell passes bytes that are no UTF-8 (`--match $'\\xff'`), which Python reads as lone surrogates and no
    database takes: `user list --match` was a traceback, as the admin page's NUL was a 500 (review31a). A NUL
    itself cannot reach a program's arguments."""
    listed = runner.invoke(app, ["user", "list", "--match", "\udcff"])
    assert listed.exit_code == 2 and "not UTF-8 text" in " ".join(listed.output.split()), listed.output  # was 1
    assert listed.exception is None or isinstance(listed.exception, SystemExit)
    code, said = _create("rival4", "Rival \udcff")
    assert code == 1 and "bytes that are not UTF-8" in said, said  # was a traceback
