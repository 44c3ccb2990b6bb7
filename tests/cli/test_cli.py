"""The command line, run in-process with typer's runner against a temp data directory."""

import os
import shutil
import stat
import subprocess
import sys
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


@pytest.fixture
def install(env: Path, sqlite_template: Path) -> Path:
    """`encore migrate` run, as the README's recipe starts: the other commands act on an existing install. Its
    database starts as a copy of the run's migrated template, where `migrate` finds nothing to do: every migration
    again cost ~1 s of CPU a case (the two `migrate` tests above run them all on an empty data directory)."""
    (env / "var").mkdir()
    shutil.copy(sqlite_template, env / "var" / "encore.db")
    migrated = runner.invoke(app, ["migrate"])
    assert migrated.exit_code == 0 and "nothing to do" in migrated.output, migrated.output
    return env


def test_migrate_and_user_create(env: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    ok = runner.invoke(app, ["user", "create", "alice", "--password", "long-password", "--admin"])
    assert ok.exit_code == 0 and "admin" in ok.output
    again = runner.invoke(app, ["user", "create", "Alice", "--password", "long-password"])
    assert again.exit_code == 1 and "taken" in again.output


def test_migrate_says_what_it_did(env: Path) -> None:
    """probe21b F10: "Database is up to date" on an empty database, after a real upgrade and with nothing to do."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from encore.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    made = runner.invoke(app, ["migrate"])
    assert made.exit_code == 0 and f"Created the schema at {head} (" in made.output, made.output
    again = runner.invoke(app, ["migrate"])
    assert again.exit_code == 0 and f"Already at {head}: nothing to do" in again.output
    container = build()
    with container.engine.begin() as conn:  # one release back
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    container.close()
    upgraded = runner.invoke(app, ["migrate"])
    assert upgraded.exit_code == 0 and f"to {head} (1 migration)" in upgraded.output, upgraded.output
    assert "Upgraded from " in upgraded.output


def test_a_database_a_newer_release_migrated_is_refused_in_a_sentence(install: Path) -> None:
    """probe24a F1: the code rolled back after `encore migrate` (or this release on a database the next one
    migrated) ended `migrate` and `serve` in Alembic's 287-line traceback, "Can't locate revision"."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from encore.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    container = build()
    with container.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'fix99_9'"))
    container.close()
    for command in (["migrate"], ["serve", "--port", "1"], ["worker"]):  # each stops before it would listen
        result = runner.invoke(app, command)
        assert result.exit_code == 1, (command, result.output, result.exception)
        said = " ".join(result.output.split())
        assert f"This database is at fix99_9, newer than this release (whose newest is {head})" in said, said
        assert "restore the backup taken before the upgrade" in said
        assert "Traceback" not in result.output and len(result.output.splitlines()) <= 3, result.output
    container = build()
    with container.engine.connect() as conn:  # nothing was touched
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "fix99_9"
    container.close()


@pytest.mark.parametrize("name", ["a\x1b[31mred", "", "x", "../etc", "..."])
def test_user_create_refuses_a_bad_name_before_asking_for_the_password(install: Path, name: str) -> None:
    """probe24a F5: the password was asked for (twice) and only then the name refused."""
    result = runner.invoke(app, ["user", "create", name], input="Abcdefgh12345!\nAbcdefgh12345!\n")
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "Invalid value for 'name'" in said, said
    assert "A username" in said and "\x1b" not in result.output
    assert "Password" not in result.output  # never asked
    ok = runner.invoke(app, ["user", "create", "good.name"], input="Abcdefgh12345!\nAbcdefgh12345!\n")
    assert ok.exit_code == 0 and "Password" in ok.output and "Created good.name" in ok.output, ok.output


def test_user_create_makes_a_label_account(install: Path) -> None:
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
    assert blank.exit_code == 1 and "at least one visible character" in blank.output


def test_ingest_reports_failures_and_exit_code(install: Path) -> None:
    lib = install / "lib"
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


def test_edge_ready_outside_edge_mode_has_nothing_to_do(install: Path) -> None:
    """review32c L8: it said nginx "could not be asked", as if something had failed."""
    assert runner.invoke(app, ["keys", "rotate"]).exit_code == 0
    said = runner.invoke(app, ["keys", "edge-ready"])
    flat = " ".join(said.output.split())
    assert said.exit_code == 0 and "Not in edge mode (ENCORE_STREAMING_MODE is embedded): nothing to do" in flat, flat
    assert "could not be asked" not in flat


def test_ingest_reports_tags_it_left_out(install: Path) -> None:
    """review32c L4: what the tag reader leaves out of a file (comments past 2,000, names past 300 characters) is a
    line of the report, as lyrics over 256 KiB are."""
    lib = install / "lib"
    lib.mkdir()
    c.write_flac(lib / "t.flac", c.tone(1.0, 440), title="T" * 100_000, comment=[f"c{i}" for i in range(2_100)])
    done = runner.invoke(app, ["ingest", str(lib), "--workers", "1"])
    said = " ".join(done.output.split())
    assert done.exit_code == 0, done.output
    assert "only the first 2,000 of its 2,101 Vorbis comments were read" in said, said
    assert "cut to their first 300 characters: its title (100,000 characters)" in said


def test_ingest_ad_saves_spots_as_ad_audio_never_listed(install: Path) -> None:
    """`encore ingest --ad`: the operator's way in for advertisers' spots (review27a M4); a spot is no label's."""
    spots = install / "spots"
    spots.mkdir()
    c.write_flac(spots / "s.flac", c.tone(1.5, 523), title="Acme Spot", artist="Acme Ads", album="Acme Spots")
    both = runner.invoke(app, ["ingest", str(spots), "--ad", "--label", "Indie"])
    assert both.exit_code == 2 and "--ad or --label" in both.output
    done = runner.invoke(app, ["ingest", str(spots), "--ad", "--workers", "1"])
    assert done.exit_code == 0, done.output
    container = build()
    with container.sessions() as s:
        spot = s.scalars(select(Track)).one()
        assert spot.is_ad and spot.album.is_ad
        spot_id = spot.public_id
    container.close()
    # review32c M2: a campaign names the spot by its track id, which only this line tells the operator
    assert f"Spot Acme Spot: track id {spot_id}" in done.output, done.output
    # review27c M1: a file read before is skipped as unchanged, which `--ad` cannot change: said, and exit 1
    songs = install / "songs"
    songs.mkdir()
    c.write_flac(songs / "m.flac", c.tone(1.5, 330), title="Home Song", artist="Home Band", album="Home")
    assert runner.invoke(app, ["ingest", str(songs), "--workers", "1"]).exit_code == 0
    again = runner.invoke(app, ["ingest", str(songs), "--ad", "--workers", "1"])
    assert again.exit_code == 1 and "stays music" in " ".join(again.output.split()), again.output
    # review28a L3: spots read before are spots already, so `--ad` over their folder again is no failure
    spots_again = runner.invoke(app, ["ingest", str(spots), "--ad", "--workers", "1"])
    assert spots_again.exit_code == 0 and "stays music" not in " ".join(spots_again.output.split())
    assert f"track id {spot_id}" in spots_again.output  # unchanged, and its id said again
    assert "track id" not in again.output  # music is no spot


def test_production_refuses_default_secret(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_MODE", "production")
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 2 and "ENCORE_SECRET_KEY" in result.output


def test_nginx_config_is_printed(install: Path) -> None:
    result = runner.invoke(app, ["nginx-config", "--listen", "127.0.0.1:9999"])
    assert result.exit_code == 0
    assert "secure_link_md5" in result.output and "listen 127.0.0.1:9999;" in result.output


def test_nginx_config_refuses_a_bad_address_in_one_line(install: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """probe21b F14: `--upstream 'bad host;'` printed a 27-line traceback; an address that would end the
    directive (or start another) is one line naming it, exit 2, and no config is printed."""
    monkeypatch.setenv("ENCORE_STREAMING_MODE", "edge")
    for option in (["--upstream", "bad host;"], ["--upstream", "ok:8000", "--upstream", "x}"], ["--listen", "1;"]):
        result = runner.invoke(app, ["nginx-config", *option])
        assert result.exit_code == 2, result.output
        assert "Not a host:port address" in result.stderr and "Traceback" not in result.output
        assert result.stdout == ""


def test_nginx_config_notes_when_edge_mode_is_off(install: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """probe21b F14: in embedded mode the printed edge part is never used; stderr says so (stdout stays the
    config alone, for a redirect)."""
    embedded = runner.invoke(app, ["nginx-config"])
    assert embedded.exit_code == 0 and "ENCORE_STREAMING_MODE=edge" in embedded.stderr
    assert embedded.stdout.startswith("# Generated by `encore nginx-config`")
    monkeypatch.setenv("ENCORE_STREAMING_MODE", "edge")
    edge = runner.invoke(app, ["nginx-config"])
    assert edge.exit_code == 0 and edge.stderr == "" and "secure_link_md5" in edge.stdout


def test_nginx_config_output_is_private(install: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """probe21b F9: `> /etc/nginx/encore.conf` left the edge secrets world-readable (0644 under umask 022).
    `--output` writes the same config 0600, also over an existing 0644 file, and says how to start nginx;
    a file it cannot write is one line, exit 2."""
    monkeypatch.setenv("ENCORE_STREAMING_MODE", "edge")
    printed = runner.invoke(app, ["nginx-config"]).stdout
    target = install / "encore.conf"
    target.write_text("old")
    target.chmod(0o644)
    result = runner.invoke(app, ["nginx-config", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_text() == printed
    assert result.stdout == "" and "nginx -p PREFIX -c" in result.stderr
    assert sorted(p.name for p in install.iterdir() if p.name.startswith(".")) == []  # no temp file left behind
    missing = runner.invoke(app, ["nginx-config", "--output", str(install / "no-such-dir" / "x.conf")])
    assert missing.exit_code == 2 and "Could not write" in missing.stderr and "Traceback" not in missing.output


def test_nginx_config_redirected_to_a_shared_file_warns(install: Path) -> None:
    """The README's `> FILE` still works, with a warning on stderr when the file is readable by others."""
    target = install / "shared.conf"
    script = f"umask 022; exec {sys.executable} -m encore.cli nginx-config > {target}"
    done = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, check=False, env=os.environ, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "readable by others" in done.stderr and "secure_link_md5" in target.read_text()


@pytest.mark.parametrize(
    "command",
    [
        ["ingest", "."],
        ["user", "create", "eve", "--admin", "--password", "long-password"],
        ["keys", "rotate"],
        ["security", "force-reset", "--everyone"],
        ["nginx-config"],
        ["search", "rebuild"],
        ["catalog", "find", "anything"],  # review21c F3: merged after the guard, it made the install anew
    ],
)
def test_a_command_run_away_from_the_install_makes_no_new_one(
    install: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """probe21b F6: with the default relative data directory, `encore ingest` run from another directory made a
    new, empty install there and said "imported 7"; an incident's `user create` or `keys rotate` would do the same."""
    monkeypatch.setenv("ENCORE_DATA_DIR", "var")  # the default: relative to the working directory
    elsewhere = install / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert f"no Encore database at {elsewhere / 'var' / 'encore.db'}" in result.output
    assert list(elsewhere.iterdir()) == []  # nothing made: no var/, no jobs file, no media
    monkeypatch.chdir(install)  # where the install is: the same command acts on it
    assert runner.invoke(app, ["user", "create", "eve", "--password", "long-password"]).exit_code == 0


@pytest.mark.parametrize("command", [["user", "create", "carol"], ["user", "set-password", "carol"]])
def test_the_password_is_asked_for_and_the_help_says_so(install: Path, command: list[str]) -> None:
    """probe25b L3: the help showed `* --password [required]`, inviting it onto the command line (the shell's
    history, `ps`); it is asked for, hidden and twice, when not given."""
    shown = runner.invoke(app, [*command[:2], "--help"], env={"COLUMNS": "200"}).output
    (option,) = [line for line in shown.splitlines() if "--password" in line]
    assert "required" not in option and "Asked for (hidden, twice) when not given" in option, shown
    if command[1] == "set-password":
        assert runner.invoke(app, ["user", "create", "carol", "--password", "first-password-1"]).exit_code == 0
    typed = runner.invoke(app, command, input="long-password-2\nlong-password-2\n")
    assert typed.exit_code == 0, typed.output
    assert "long-password-2" not in typed.output  # hidden
    blank = runner.invoke(app, [*command[:2], "dave" if command[1] == "create" else "carol"], input="\n\n")
    assert blank.exit_code != 0, blank.output  # nothing typed is no password
