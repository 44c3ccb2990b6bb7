"""Every command when the database does not answer or the data disk is full (probe25b M1): one line, exit 3, the
real command in a process of its own."""

import shutil
from pathlib import Path

import pytest

from tests.support.cli_process import encore_env, one_line_error, run_cli
from tests.support.disk import fill, mounted_tmpfs


@pytest.mark.parametrize("command", [["user", "list"], ["migrate"], ["catalog", "find", "x"], ["serve"]])
def test_a_database_that_does_not_answer_is_one_line(tmp_path: Path, command: list[str]) -> None:
    """probe25b M1: with PostgreSQL stopped every command printed some 500 lines of traceback. A port nothing
    listens on (this helper's range: nothing of the suite binds it) refuses the connection as a stopped server does."""
    url = "postgresql://encore:s3cret-pw@127.0.0.1:19199/encore"
    ran = run_cli(command, encore_env(mode="dev", data_dir=str(tmp_path / "var"), database_url=url))
    said = one_line_error(ran)
    assert ran.code == 3, ran.output
    assert said.startswith(
        "Stopped: Encore cannot reach its database at postgresql://encore:***@127.0.0.1:19199/encore"
    )
    assert "Connection refused" in said and "s3cret-pw" not in said, said
    assert len(ran.output.strip().splitlines()) <= 3, ran.output  # one line, wrapped at most by the console


def test_a_full_data_disk_is_one_line(tmp_path: Path, sqlite_template: Path) -> None:
    """probe25b M1: on a full data directory `encore ingest` and `encore user create` died in a traceback ending
    "disk I/O error" / "database or disk is full"."""
    with mounted_tmpfs(tmp_path / "var", size="8m") as var:
        shutil.copy(sqlite_template, var / "encore.db")
        filler = fill(var)
        env = encore_env(mode="dev", data_dir=str(var), password_hash_below_floor_for_tests="1")
        ran = run_cli(["user", "create", "someone", "--password", "long-password-1"], env)
        said = one_line_error(ran)
        assert ran.code == 3, ran.output
        assert f"Encore cannot write its data (ENCORE_DATA_DIR={var}): the disk is full or failing" in said, said
        filler.unlink()  # space again: the same command works, nothing was damaged
        again = run_cli(["user", "create", "someone", "--password", "long-password-1"], env)
        assert again.code == 0, again.output
