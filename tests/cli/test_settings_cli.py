"""Settings an operator mistyped stop every command in one line (probe25b M2, M4): the real command, in a process of
its own."""

from pathlib import Path

import pytest

from tests.support.cli_process import encore_env, one_line_error, run_cli


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("database_url", "notaurl", "database_url: Value error, not a database URL Encore can use"),
        ("database_url", "mysql://u:pw@h/db", "database_url: Value error, not a database URL Encore can use"),
        ("public_base_url", "music.example.org", "public_base_url: Value error, 'music.example.org' is not an abso"),
        ("public_base_url", "https://", "public_base_url: Value error, 'https://' names no host"),
        (
            "edge_base_url",
            "https://edge.example.org/?x",
            "edge_base_url: Value error, 'https://edge.example.org/?x' may",
        ),
    ],
)
def test_a_malformed_address_stops_every_command_in_one_line(
    tmp_path: Path, setting: str, value: str, expected: str
) -> None:
    """probe25b M2 and M4: a database URL SQLAlchemy cannot read was a traceback; a public address without a scheme
    was taken, and every absolute link (a phone's server address, share pages, Stripe's return) was relative."""
    ran = run_cli(["user", "list"], encore_env(mode="dev", data_dir=str(tmp_path / "var"), **{setting: value}))
    said = one_line_error(ran)
    assert ran.code == 2 and said.startswith("Encore cannot start: invalid settings: ") and expected in said, said
    assert "pw" not in said


def test_a_toml_syntax_error_names_the_file_and_the_line(tmp_path: Path) -> None:
    """probe25b M2: `secret_key = [` ended `encore serve` in a traceback naming neither the file nor the line."""
    config = tmp_path / "encore.toml"
    config.write_text('mode = "dev"\nport = = 8000\n')
    ran = run_cli(["serve"], encore_env(config=str(config), data_dir=str(tmp_path / "var")))
    said = one_line_error(ran)
    assert ran.code == 2, ran.output
    wanted = f"Encore cannot start: ENCORE_CONFIG file {config} is not valid TOML: Invalid value (at line 2, column 8)"
    assert "".join(wanted.split()) in "".join(said.split()), said  # the console may wrap inside the path


def test_a_refusal_is_one_line_on_a_narrow_console_or_a_pipe(tmp_path: Path) -> None:
    """review26a L1: the refusal was wrapped at the console's width (80 columns in a pipe, cron's mail, the
    journal), so `grep "cannot start"` found a quarter of it and the command it suggests broke in two."""
    env = encore_env(mode="production", data_dir=str(tmp_path / "var"))
    env["COLUMNS"] = "40"
    ran = run_cli(["user", "list"], env)
    assert ran.code == 2 and "Traceback" not in ran.output, ran.output
    (line,) = [line for line in ran.output.splitlines() if "cannot start" in line]
    assert "ENCORE_SECRET_KEY is the built-in default" in line, ran.output
    assert "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`" in line, ran.output
