"""review26b F6 at the operator's commands, on SQLite and PostgreSQL (`database_url`): `encore user create` and
`encore user set-password` took "password" as a password. Each now says why it refuses and changes nothing."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from encore.accounts import get_user_by_name
from encore.bootstrap import build
from encore.cli import app

runner = CliRunner()


@pytest.fixture
def install(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENCORE_DATABASE_URL", database_url)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    return tmp_path


def _said(output: str) -> str:
    return " ".join(output.split())


def test_user_create_refuses_a_password_too_easy_to_guess(install: Path) -> None:
    weak = runner.invoke(app, ["user", "create", "carol", "--password", "password"])
    said = _said(weak.output)
    assert weak.exit_code == 1 and "Password is too easy to guess." in said, said  # was 0: "Created carol"
    assert "top-10 common password" in said and "Choose another" in said
    asked = runner.invoke(app, ["user", "create", "carol"], input="12345678\n12345678\n")  # typed at the prompt
    assert asked.exit_code == 1 and "too easy to guess" in _said(asked.output), asked.output
    c = build()
    with c.sessions() as s:
        assert get_user_by_name(s, username="carol") is None  # nothing made
    c.close()
    ok = runner.invoke(app, ["user", "create", "carol", "--password", "carol-listens-at-night"])
    assert ok.exit_code == 0 and "Created carol" in ok.output, ok.output


def test_user_set_password_refuses_a_password_too_easy_to_guess(install: Path) -> None:
    assert runner.invoke(app, ["user", "create", "dave_smith", "--password", "dave-plays-bass-7"]).exit_code == 0
    c = build()
    with c.sessions() as s:
        before = get_user_by_name(s, username="dave_smith")
        assert before is not None
        stored = before.password_hash
    c.close()
    for weak in ("qwertyuiop", "dave_smith"):  # a common one; the account's own login
        refused = runner.invoke(app, ["user", "set-password", "dave_smith", "--password", weak])
        assert refused.exit_code == 1 and "too easy to guess" in _said(refused.output), (weak, refused.output)
    c = build()
    with c.sessions() as s:
        after = get_user_by_name(s, username="dave_smith")
        assert after is not None and after.password_hash == stored  # unchanged
    c.close()
