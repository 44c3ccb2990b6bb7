"""`encore outbox list` and `encore outbox retry`: the operator sees the verified streams the drain set aside and
sends them back to it (fixout24). Text in a record is another's (a public id a hostile row could hold): shown
terminal-safe."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from encore.cli import app
from encore.playback import SpoolOutbox, Verified, _outbox

runner = CliRunner()
HOSTILE = "u\x1b]0;pwned\x07[red]x"


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> SpoolOutbox:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    monkeypatch.delenv("ENCORE_REDIS_URL", raising=False)
    # The run's migrated template, where `encore migrate` finds nothing to do (every migration again: ~1 s of CPU)
    (tmp_path / "var").mkdir()
    shutil.copy(sqlite_template, tmp_path / "var" / "encore.db")
    migrated = runner.invoke(app, ["migrate"])
    assert migrated.exit_code == 0 and "nothing to do" in migrated.output, migrated.output
    return SpoolOutbox(tmp_path / "var" / "outbox" / "verified")  # where the install keeps them without Redis


def _set_aside(spool: SpoolOutbox, verified: Verified) -> None:
    spool.keep(verified)

    def write(v: Verified) -> bool:
        if v.play_key == verified.play_key:
            raise ValueError("this record alone fails")
        return True

    for minute in range(_outbox.SET_ASIDE):
        spool.keep(Verified("o", "t", f"{minute + 1:064x}", datetime(2026, 12, 6, tzinfo=UTC), 31_000))
        spool.drain(write)


def test_nothing_set_aside_says_so(spool: SpoolOutbox) -> None:
    done = runner.invoke(app, ["outbox", "list"])
    assert done.exit_code == 0 and "No verified stream is set aside." in done.output


def test_list_then_retry_a_record_set_aside(spool: SpoolOutbox) -> None:
    key = "ab" * 32
    _set_aside(spool, Verified(HOSTILE, "track\x9b2J", key, datetime(2026, 12, 6, 3, tzinfo=UTC), 45_000))
    listed = runner.invoke(app, ["outbox", "list"])
    assert listed.exit_code == 0, listed.output
    out = listed.output
    assert not any((ord(ch) < 32 and ch != "\n") or 127 <= ord(ch) < 160 for ch in out), repr(out)
    rows = [line.split("│") for line in out.splitlines() if line.count("│") == 8]  # a narrow terminal folds
    play, user, track, at = ("".join(row[n].strip() for row in rows).replace(" ", "") for n in (1, 2, 3, 4))
    assert (play, user, track, at) == (key, "u\\x1b]0;pwned\\x07[red]x", "track\\x9b2J", "2026-12-0603:00:00")
    assert "45.0" in out

    assert runner.invoke(app, ["outbox", "retry"]).exit_code == 2  # neither keys nor --all
    assert runner.invoke(app, ["outbox", "retry", "--all", key]).exit_code == 2  # both
    bad = runner.invoke(app, ["outbox", "retry", "../\x1b[2J"])
    assert bad.exit_code == 2 and "\x1b" not in bad.output and "Not a play key" in bad.output
    assert runner.invoke(app, ["outbox", "retry", "abcd"]).exit_code == 2  # a prefix of 8 or more
    none = runner.invoke(app, ["outbox", "retry", "ffffffff"])
    assert none.exit_code == 1 and "No verified stream set aside matched" in none.output
    done = runner.invoke(app, ["outbox", "retry", key[:12]])
    assert done.exit_code == 0 and "1 verified stream(s)" in done.output
    assert spool.aside() == [] and (spool._folder / f"{key}.json").exists()  # the next drain tries it
    assert "No verified stream is set aside." in runner.invoke(app, ["outbox", "list"]).output


def test_retry_all(spool: SpoolOutbox) -> None:
    _set_aside(spool, Verified("u", "t", "cd" * 32, datetime(2026, 12, 6, tzinfo=UTC), 30_000))
    done = runner.invoke(app, ["outbox", "retry", "--all"])
    assert done.exit_code == 0 and "1 verified stream(s)" in done.output
    assert runner.invoke(app, ["outbox", "retry", "--all"]).exit_code == 1


def test_redis_not_answering_is_exit_3_without_a_traceback(
    spool: SpoolOutbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENCORE_REDIS_URL", f"unix://{tmp_path / 'no-redis.sock'}")
    for args in (["outbox", "list"], ["outbox", "retry", "--all"]):
        done = runner.invoke(app, args)
        assert done.exit_code == 3, (done.output, done.exception)
        assert "The outbox could not be read" in done.output and "Traceback" not in done.output
