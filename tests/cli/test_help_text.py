"""Every command's --help speaks to the operator: no review tag ("(probe25b L4)") or settings field name
("key_grace_s") of the code's own (review32c L2). Walks the whole command tree, so a new command is read too."""

import re
from collections.abc import Iterator

import typer.main
from click import Command
from typer.testing import CliRunner

from encore.cli import app

runner = CliRunner()
INTERNAL = re.compile(
    r"\b(probe|review|fix|lead|speed|money)[0-9]+[a-z]*\b"  # a finding's tag
    r"|\b[FMLNH][0-9]{1,2}\b"  # a finding's number
    r"|\(default: [a-z_]+\)"  # a settings field, not its ENCORE_ variable
    r"|\b[a-z]+(_[a-z]+)+_s\b"  # a settings field in seconds
)


def _paths(command: Command, path: list[str]) -> Iterator[list[str]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _paths(sub, [*path, name])


def test_no_help_names_the_code_s_own_tags() -> None:
    found = []
    for path in _paths(typer.main.get_command(app), []):
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "400"})
        assert shown.exit_code == 0, (path, shown.output)
        found += [(" ".join(path), m.group(0)) for m in INTERNAL.finditer(shown.output)]
    assert not found, found


def test_keys_rotate_names_the_variable_and_its_default() -> None:
    said = " ".join(runner.invoke(app, ["keys", "rotate", "--help"], env={"COLUMNS": "400"}).output.split())
    assert "ENCORE_KEY_GRACE_S" in said and "86400" in said
