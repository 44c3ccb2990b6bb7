"""The incident kit from a shell: `encore keys rotate`, `encore security sign-out | force-reset`."""

import asyncio
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from encore import audit, keys
from encore.accounts import get_user_by_name, issue_epoch
from encore.bootstrap import build
from encore.cli import app
from tests.support.disk import fill as _fill
from tests.support.redis import RedisServer

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> Path:
    """An install with two accounts. Its database starts as a copy of the run's migrated template, where `encore
    migrate` finds nothing to do: running every migration again per case cost ~1 s of CPU, 24 times
    (tests/cli/test_cli.py runs `migrate` on an empty data directory)."""
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    (tmp_path / "var").mkdir()
    shutil.copy(sqlite_template, tmp_path / "var" / "encore.db")
    migrated = runner.invoke(app, ["migrate"])
    assert migrated.exit_code == 0 and "nothing to do" in migrated.output, migrated.output
    for name in ("alice", "bob"):
        assert runner.invoke(app, ["user", "create", name, "--password", "long-password"]).exit_code == 0
    return tmp_path


def test_keys_rotate(env: Path) -> None:
    first = runner.invoke(app, ["keys", "rotate", "--grace", "600"])
    assert first.exit_code == 0 and "Key 1 is current" in first.output
    second = runner.invoke(app, ["keys", "rotate"])
    assert second.exit_code == 0 and "Key 2 is current" in second.output
    c = build()
    with c.sessions() as s:
        ring = keys.load_keyring(s)
        assert [k.kid for k in ring.keys] == [2, 1, 0] and ring.active.retire_at is None
        assert ring.keys[2].retire_at is not None and ring.keys[1].retire_at is not None
        # a second rotation never extends the first one's grace
        assert ring.keys[2].retire_at <= ring.keys[1].retire_at
        rotations = audit.list_events(s, where=audit.EventFilter(kind="security.keys_rotated"))
        assert [e.details["kid"] for e in rotations] == [2, 1]
    c.close()


def test_sign_out_and_force_reset(env: Path) -> None:
    assert runner.invoke(app, ["security", "sign-out"]).exit_code == 2  # who?
    assert runner.invoke(app, ["security", "sign-out", "--user", "alice", "--everyone"]).exit_code == 2
    missing = runner.invoke(app, ["security", "sign-out", "--user", "nobody"])
    assert missing.exit_code == 1 and "nobody" in missing.output
    assert runner.invoke(app, ["security", "sign-out", "--user", "alice"]).exit_code == 0
    assert runner.invoke(app, ["security", "force-reset", "--user", "bob"]).exit_code == 0
    c = build()
    with c.sessions() as s:
        alice, bob = get_user_by_name(s, username="alice"), get_user_by_name(s, username="bob")
        assert alice is not None and bob is not None
        assert alice.signed_out_epoch > 0 and not alice.must_reset_password
        assert bob.must_reset_password and bob.signed_out_epoch > alice.signed_out_epoch
    c.close()
    assert runner.invoke(app, ["security", "force-reset", "--everyone"]).exit_code == 0
    c = build()
    with c.sessions() as s:
        alice = get_user_by_name(s, username="alice")
        assert alice is not None and alice.must_reset_password
        kinds = [e.kind for e in audit.list_events(s, where=audit.EventFilter(kind="security"))]
        assert kinds == ["security.reset_forced_everyone", "security.reset_forced", "security.signed_out"]
    c.close()


def test_security_report(env: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from encore.db import transaction

    t0 = datetime(2026, 11, 30, 10, tzinfo=UTC)
    c = build()
    with transaction(c.sessions) as s:
        alice, bob = get_user_by_name(s, username="alice"), get_user_by_name(s, username="bob")
        assert alice is not None and bob is not None
        home, attacker = audit.Client("198.51.100.7", "Firefox"), audit.Client("203.0.113.66", "curl")
        for i in range(3):
            audit.record(s, kind="login.failed", now=t0 + timedelta(minutes=i), actor_id=None, subject_id=bob.id,
                         client=attacker, details={"username": "bob"})  # fmt: skip
        audit.record(s, kind="login.failed", now=t0, actor_id=None, client=attacker, details={"username": "root"})
        audit.record(s, kind="login", now=t0 + timedelta(minutes=5), actor_id=bob.id, client=attacker)
        audit.record(s, kind="device.created", now=t0 + timedelta(minutes=6), actor_id=bob.id, client=attacker)
        audit.record(s, kind="export.downloaded", now=t0 + timedelta(minutes=7), actor_id=bob.id, client=attacker,
                     details={"what": "account data"})  # fmt: skip
        audit.record(s, kind="login", now=t0 + timedelta(hours=2), actor_id=alice.id, client=home)
        audit.record(s, kind="login.refused", now=t0 + timedelta(hours=3), actor_id=None, subject_id=alice.id,
                     client=home, details={"username": "alice", "reason": "account_disabled"})  # fmt: skip
        audit.record(s, kind="login", now=t0 - timedelta(days=1), actor_id=alice.id, client=home)  # before
    c.close()

    window = ["--since", "2026-11-30", "--until", "2026-12-01T00:00+00:00"]
    out = runner.invoke(app, ["security", "report", *window, "--json"])
    assert out.exit_code == 0, out.output
    import json

    got = json.loads(out.output)
    assert [(r["account"], r["logins"], r["failures"]) for r in got["logins"]] == [
        ("bob", 1, 3),
        ("alice", 1, 0),
        (None, 0, 1),
    ]
    # probe20 F6: the right password for a stopped account is its own column, not a failure
    assert [r["refused"] for r in got["logins"]] == [0, 1, 0]
    assert got["logins"][0]["addresses"] == {"203.0.113.66": 4}
    assert got["logins"][1]["first"].startswith("2026-11-30T12:00")  # the day before is outside the window
    assert [(e["kind"], e["actor"], e["client_ip"]) for e in got["changes"]] == [
        ("device.created", "bob", "203.0.113.66")
    ]
    assert [e["details"]["what"] for e in got["exports"]] == ["account data"]

    table = runner.invoke(app, ["security", "report", *window])
    assert table.exit_code == 0
    assert "Log-ins" in table.output and "203.0.113.66 (4)" in table.output and "export.downloaded" in table.output
    assert "refused" in table.output
    assert runner.invoke(app, ["security", "report", "--since", "last tuesday"]).exit_code == 2


def test_accounts_made_from_the_shell_are_in_the_security_report(env: Path) -> None:
    """probe21b F2: `encore user create eve --admin` wrote no event, so whoever added an admin was invisible to
    the report the README's breach steps start from."""
    import json

    assert runner.invoke(app, ["user", "create", "eve", "--password", "long-password", "--admin"]).exit_code == 0
    made = runner.invoke(app, ["user", "create", "fox", "--password", "long-password", "--label", " Little Fox "])
    assert made.exit_code == 0, made.output
    out = runner.invoke(app, ["security", "report", "--json"])
    assert out.exit_code == 0, out.output
    created = [e for e in json.loads(out.output)["changes"] if e["kind"] == "account.created"]
    assert [(e["subject"], e["actor"], e["details"]) for e in created] == [
        ("alice", None, {"by": "operator", "role": "listener"}),
        ("bob", None, {"by": "operator", "role": "listener"}),
        ("eve", None, {"by": "operator", "role": "admin"}),
        ("fox", None, {"by": "operator", "role": "label", "label": "Little Fox"}),
    ]
    table = runner.invoke(app, ["security", "report"])
    assert table.exit_code == 0 and "account.created" in table.output and "eve" in table.output
    refused = runner.invoke(app, ["user", "create", "eve", "--password", "long-password"])  # taken: no event
    assert refused.exit_code == 1
    again = json.loads(runner.invoke(app, ["security", "report", "--json"]).output)["changes"]
    assert len([e for e in again if e["kind"] == "account.created"]) == 4


def test_user_list_and_jobs_show(env: Path) -> None:
    """probe21b F16: the CLI could not list accounts, and `user delete` printed a job id nothing could look up."""
    import re

    from sqlalchemy import Engine, event

    from encore import billing
    from encore.db import transaction

    assert runner.invoke(app, ["user", "create", "eve", "--password", "long-password", "--admin"]).exit_code == 0
    c = build()
    with transaction(c.sessions) as s:
        alice = get_user_by_name(s, username="alice")
        assert alice is not None
        billing.grant_premium(s, user_public_id=alice.public_id, plan="premium", days=30, now=c.clock.now())
    c.close()
    deleted = runner.invoke(app, ["user", "delete", "bob", "--yes"])
    assert deleted.exit_code == 0
    found = re.search(r"\(job\s+([A-Za-z0-9_-]+)\)", deleted.output)
    assert found is not None, deleted.output
    reads: list[str] = []

    def keep(conn: object, cursor: object, statement: str, *args: object) -> None:
        reads.extend(table for table in ("subscriptions", "jobs") if f"FROM {table}" in statement)

    event.listen(Engine, "before_cursor_execute", keep)  # the command builds its own engine
    try:
        listed = runner.invoke(app, ["user", "list"])
    finally:
        event.remove(Engine, "before_cursor_execute", keep)
    assert listed.exit_code == 0, listed.output
    assert sorted(reads) == ["jobs", "subscriptions"]  # fixleft22a: one of each for the page (it was one a row)
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in listed.output.splitlines() if line.count("│") == 6]
    rows = {row[0]: row[1:] for row in cells if row[0] not in ("", "username")}  # "": a folded cell's next line
    assert {name: row[:2] for name, row in rows.items()} == {
        "alice": ["listener", "yes"],
        "bob": ["listener", "deleting"],
        "eve": ["admin", "yes"],
    }
    assert rows["alice"][2].startswith("yes (until") and rows["eve"][2] == "no"  # a narrow terminal folds the date
    assert "eve" not in runner.invoke(app, ["user", "list", "--match", "AL"]).output

    shown = runner.invoke(app, ["jobs", "show", found.group(1)])
    assert shown.exit_code == 0, shown.output
    assert "account.erase" in shown.output or "erase" in shown.output
    assert re.search(r"state\s+│\s+queued", shown.output), shown.output
    missing = runner.invoke(app, ["jobs", "show", "no-such-job"])
    assert missing.exit_code == 1 and "No job 'no-such-job'" in missing.output


def test_user_disable_and_enable(env: Path) -> None:
    """probe19 F3: `encore user disable NAME` cuts an account off at once; `enable` lets its password in again."""
    from encore.db import transaction

    assert runner.invoke(app, ["user", "create", "root", "--password", "long-password", "--admin"]).exit_code == 0
    missing = runner.invoke(app, ["user", "disable", "nobody"])
    assert missing.exit_code == 1 and "nobody" in missing.output
    last = runner.invoke(app, ["user", "disable", "root"])
    assert last.exit_code == 1 and "last active administrator" in last.output
    done = runner.invoke(app, ["user", "disable", "alice"])
    assert done.exit_code == 0 and "alice is disabled" in done.output
    c = build()
    with transaction(c.sessions) as s:
        alice = get_user_by_name(s, username="alice")
        assert alice is not None and not alice.is_active and alice.signed_out_epoch > 0
        kinds = [e.kind for e in audit.list_events(s, where=audit.EventFilter(kind="security"))]
        assert kinds == ["security.account_disabled"]
    c.close()
    assert "already was" in runner.invoke(app, ["user", "disable", "alice"]).output
    assert runner.invoke(app, ["user", "enable", "alice", "--keep-password"]).exit_code == 0
    c = build()
    with c.sessions() as s:
        alice = get_user_by_name(s, username="alice")
        assert alice is not None and alice.is_active
    c.close()


def test_force_reset_hands_the_operator_one_code_per_account(env: Path) -> None:
    """probe19 F3: the code is what completes the reset (the password may be what leaked): printed for one
    account, written to a file only its owner reads for everyone."""
    import csv
    import re

    one = runner.invoke(app, ["security", "force-reset", "--user", "bob"])
    assert one.exit_code == 0 and "bob" in one.output
    assert len(re.findall(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", one.output)) == 1
    target = env / "codes.csv"
    target.write_text("old")
    target.chmod(0o644)
    every = runner.invoke(app, ["security", "force-reset", "--everyone", "--codes-file", str(target)])
    assert every.exit_code == 0 and "2 reset codes written" in every.output
    assert target.stat().st_mode & 0o777 == 0o600
    with target.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["username"] for r in rows] == ["alice", "bob"] and all(len(r["code"]) == 23 for r in rows)
    assert [p.name for p in env.iterdir() if p.name.endswith(".part")] == []  # written beside it, moved in place


def _reset(*names: str) -> bool:
    c = build()
    with c.sessions() as s:
        flagged = [get_user_by_name(s, username=n) for n in names]
    c.close()
    return all(u is not None and u.must_reset_password for u in flagged)


def test_force_reset_killed_after_the_reset_has_named_where_the_codes_are(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """review22m F5: killed between the commit and the rename, the codes that count were only in a hidden .part
    file nothing had named, beside an older codes file whose codes count for nothing."""
    from encore.cli import _security

    target = env / "codes.csv"
    target.write_text("username,email,code,expires_at\nalice,,AAAAA-BBBBB-CCCCC-DDDDD,2026-12-31\n")

    def killed(self: _security._StagedCodes) -> None:
        self._out.close()  # as a killed process's files are
        raise KeyboardInterrupt

    monkeypatch.setattr(_security._StagedCodes, "publish", killed)
    result = runner.invoke(app, ["security", "force-reset", "--everyone", "--codes-file", str(target)])
    assert result.exit_code == 130 and _reset("alice", "bob")  # Ctrl-C
    (part,) = [p for p in env.iterdir() if p.name.endswith(".part")]
    assert part.name.startswith(".codes.csv.") and f"Codes staged in {part}" in " ".join(result.output.split())
    assert [line.split(",")[0] for line in part.read_text().splitlines()] == ["username", "alice", "bob"]


def test_force_reset_puts_the_codes_in_place_even_if_closing_fails(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """review22m F5: a close that failed after the commit left the codes in the temporary file, never moved."""
    from encore.bootstrap import Container

    def failing(self: Container) -> None:
        raise RuntimeError("close failed")

    target = env / "codes.csv"
    with monkeypatch.context() as m:
        m.setattr(Container, "close", failing)
        result = runner.invoke(app, ["security", "force-reset", "--everyone", "--codes-file", str(target)])
    assert isinstance(result.exception, RuntimeError) and _reset("alice", "bob")
    assert [line.split(",")[0] for line in target.read_text().splitlines()] == ["username", "alice", "bob"]
    assert [p.name for p in env.iterdir() if p.name.endswith(".part")] == []


def test_force_reset_with_an_unwritable_codes_file_resets_no_one(env: Path) -> None:
    """review21 F5: the reset was committed before the file was written, so a path it could not write left every
    account flagged and signed out with its codes printed nowhere (only their hashes are kept). Now the file is
    written inside the transaction: a bad path is said plainly and nothing is reset, an older file untouched."""
    old = env / "codes.csv"
    old.write_text("username,email,code,expires_at\nalice,,AAAAA-BBBBB-CCCCC-DDDDD,2026-12-31\n")
    for bad in (env / "no-such-dir" / "codes.csv", env):  # a missing folder; a folder where the file should be
        result = runner.invoke(app, ["security", "force-reset", "--everyone", "--codes-file", str(bad)])
        assert result.exit_code == 2, result.output
        assert "Could not write the reset codes" in result.output and "Nothing was reset" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    c = build()
    with c.sessions() as s:
        for name in ("alice", "bob"):
            user = get_user_by_name(s, username=name)
            assert user is not None and not user.must_reset_password
    c.close()
    assert "AAAAA-BBBBB" in old.read_text()


def _streams_alive(name: str) -> bool:
    """Whether a stream URL issued to `name` now would play (no cutoff on the shared state refuses it)."""
    c = build()
    with c.sessions() as s:
        user = get_user_by_name(s, username=name)
        assert user is not None
        generation = issue_epoch(s)  # what a stream URL issued now carries
    alive = asyncio.run(c.stream_cutoffs.alive(user_public_id=user.public_id, generation=generation))
    c.close()
    return alive


def test_force_reset_with_an_unwritable_codes_file_cuts_no_stream_url(
    env: Path, monkeypatch: pytest.MonkeyPatch, redis_server: RedisServer
) -> None:
    """review21b F3: the stream cutoff is written to the shared state, which the rolled-back transaction did not
    undo: "Nothing was reset", yet every listener's new stream URLs were refused until the cutoff expired. The
    file is opened before anything is reset now. On Redis, as a deployment shares it with the nodes."""
    monkeypatch.setenv("ENCORE_REDIS_URL", redis_server.url)
    monkeypatch.setenv("ENCORE_REDIS_PREFIX", redis_server.new_prefix())
    bad = env / "no-such-dir" / "codes.csv"
    result = runner.invoke(app, ["security", "force-reset", "--everyone", "--codes-file", str(bad)])
    assert result.exit_code == 2 and "Nothing was reset" in result.output, result.output
    assert _streams_alive("alice")


def _flagged(*names: str) -> list[bool]:
    c = build()
    with c.sessions() as s:
        users = [get_user_by_name(s, username=name) for name in names]
    c.close()
    return [u is not None and u.must_reset_password for u in users]


def _refused_for_want_of_room(target: Path) -> None:
    result = runner.invoke(app, ["security", "force-reset", "--everyone", "--codes-file", str(target)])
    assert result.exit_code == 2, result.output
    said = [line for line in result.output.splitlines() if line.strip()]
    assert len(said) == 1 and "Could not write the reset codes" in said[0], result.output
    assert "No space left on device" in said[0] and said[0].endswith("Nothing was reset."), said
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_force_reset_on_a_full_disk_resets_no_one_and_cuts_no_stream_url(
    env: Path, monkeypatch: pytest.MonkeyPatch, redis_server: RedisServer, small_disk: Path
) -> None:
    """The codes file could be made, but not written (a full disk): the accounts were flagged and the stream
    cutoff written to the shared state before the write failed, and the rolled-back transaction left the cutoff
    (review21b F3's residue). The codes are now written and synced before the reset; the failure is one line, and
    nothing is reset nor cut, an older file kept. With room again, the same command writes them."""
    monkeypatch.setenv("ENCORE_REDIS_URL", redis_server.url)
    monkeypatch.setenv("ENCORE_REDIS_PREFIX", redis_server.new_prefix())
    target = small_disk / "codes.csv"
    filler = _fill(small_disk)
    _refused_for_want_of_room(target)
    assert _flagged("alice", "bob") == [False, False]
    assert _streams_alive("alice")
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # no half-written file left

    filler.unlink()  # an older file of codes, and the disk full again: the older file stays as it was
    target.write_text("username,email,code,expires_at\nalice,,AAAAA-BBBBB-CCCCC-DDDDD,2026-12-31\n")
    filler = _fill(small_disk)
    _refused_for_want_of_room(target)
    assert _flagged("alice", "bob") == [False, False] and "AAAAA-BBBBB" in target.read_text()
    assert sorted(p.name for p in small_disk.iterdir()) == ["codes.csv", "filler"]

    filler.unlink()
    result = runner.invoke(app, ["security", "force-reset", "--everyone", "--codes-file", str(target)])
    assert result.exit_code == 0 and "2 reset codes written" in result.output, result.output
    assert _flagged("alice", "bob") == [True, True]
    assert sorted(p.name for p in small_disk.iterdir()) == ["codes.csv"] and target.stat().st_mode & 0o777 == 0o600
    assert [row.split(",")[0] for row in target.read_text().splitlines()] == ["username", "alice", "bob"]


def test_user_set_password_lets_a_locked_out_owner_back_in(env: Path) -> None:
    """session 19's leftover: whoever took an account and changed its password holds the only password the
    forced reset asks for; the operator sets one to hand the owner, which settles the reset and signs the
    account out everywhere. A short password is refused and changes nothing."""
    from sqlalchemy import select

    from encore.accounts import PasswordResetCode, passwords_for

    assert runner.invoke(app, ["security", "force-reset", "--user", "alice"]).exit_code == 0
    c = build()
    with c.sessions() as s:
        before = get_user_by_name(s, username="alice")
        assert before is not None and before.must_reset_password
        epoch, stored = before.signed_out_epoch, before.password_hash
    c.close()
    short = runner.invoke(app, ["user", "set-password", "alice", "--password", "short"])
    assert short.exit_code == 1 and "Password not set" in short.output
    missing = runner.invoke(app, ["user", "set-password", "nobody", "--password", "a-new-long-password"])
    assert missing.exit_code == 1 and "nobody" in missing.output
    c = build()
    with c.sessions() as s:
        unchanged = get_user_by_name(s, username="alice")
        assert unchanged is not None and unchanged.password_hash == stored and unchanged.must_reset_password
    c.close()
    done = runner.invoke(app, ["user", "set-password", "alice", "--password", "a-new-long-password"])
    assert done.exit_code == 0 and "signed out everywhere" in done.output
    c = build()
    with c.sessions() as s:
        alice, bob = get_user_by_name(s, username="alice"), get_user_by_name(s, username="bob")
        assert alice is not None and bob is not None
        assert passwords_for(s).verify(alice.password_hash, "a-new-long-password")
        assert not alice.must_reset_password and alice.signed_out_epoch > epoch
        assert s.scalars(select(PasswordResetCode).where(PasswordResetCode.user_id == alice.id)).first() is None
        assert passwords_for(s).verify(bob.password_hash, "long-password")  # one account only
        events = audit.list_events(s, where=audit.EventFilter(kind="security.password_set"))
        assert [e.subject for e in events] == ["alice"]
    c.close()


def test_user_delete(env: Path) -> None:
    """probe20 F8: `encore user delete NAME` runs the owner's own Delete account on an account disabled or not,
    after a confirmation (`--yes` skips it), held to the same refusals."""
    from sqlalchemy import select

    from encore.jobs import Job
    from encore.portability import ERASE

    assert runner.invoke(app, ["user", "create", "root", "--password", "long-password", "--admin"]).exit_code == 0
    missing = runner.invoke(app, ["user", "delete", "nobody", "--yes"])
    assert missing.exit_code == 1 and "No account named 'nobody'" in missing.output
    last = runner.invoke(app, ["user", "delete", "root", "--yes"])
    assert last.exit_code == 1 and "last administrator" in last.output
    kept = runner.invoke(app, ["user", "delete", "alice"], input="n\n")
    assert kept.exit_code == 1 and "cannot be undone" in kept.output
    assert runner.invoke(app, ["user", "disable", "alice"]).exit_code == 0
    done = runner.invoke(app, ["user", "delete", "alice"], input="y\n")
    assert done.exit_code == 0 and "erasing is queued" in done.output, done.output
    c = build()
    with c.sessions() as s:
        alice, bob = get_user_by_name(s, username="alice"), get_user_by_name(s, username="bob")
        assert alice is not None and bob is not None and not alice.is_active and bob.is_active
        assert list(s.scalars(select(Job.user_id).where(Job.kind == ERASE))) == [alice.id]
        events = audit.list_events(s, where=audit.EventFilter(kind="account.deleted"))
        assert [(e.subject, e.details["by"]) for e in events] == [("alice", "operator")]
    c.close()
    enable = runner.invoke(app, ["user", "enable", "alice", "--keep-password"])
    assert enable.exit_code == 1 and "cannot be enabled" in enable.output


def test_user_create_and_set_password_prompt_for_the_password(env: Path) -> None:
    """probe20 N4 was wrong: without --password both commands ask for it, hidden and twice (typer's prompt), so it
    need not reach the shell's history or `ps`."""
    from encore.accounts import passwords_for

    made = runner.invoke(app, ["user", "create", "carol"], input="first-pass-123\nfirst-pass-123\n")
    assert made.exit_code == 0 and "Password:" in made.output and "Repeat for confirmation:" in made.output
    assert "first-pass-123" not in made.output  # hidden
    typo = runner.invoke(app, ["user", "set-password", "carol"], input="second-pass-1\nsecond-pass-2\n")
    assert typo.exit_code != 0 and "do not match" in typo.output
    done = runner.invoke(app, ["user", "set-password", "carol"], input="second-pass-1\nsecond-pass-1\n")
    assert done.exit_code == 0, done.output
    c = build()
    with c.sessions() as s:
        carol = get_user_by_name(s, username="carol")
        assert carol is not None and passwords_for(s).verify(carol.password_hash, "second-pass-1")
    c.close()


@pytest.mark.parametrize("grace", ["-1", "-86400", "7776001"])
def test_keys_rotate_refuses_a_grace_out_of_bounds(env: Path, grace: str) -> None:
    """probe20 N8: `--grace -1` rotated, and "previous keys work until" now ended every open stream URL at once.
    A grace outside key_grace_s's bounds (0 to 90 days) is refused, and nothing is rotated."""
    out = runner.invoke(app, ["keys", "rotate", "--grace", grace])
    assert out.exit_code == 2 and "--grace" in out.output and "Key 1" not in out.output
    c = build()
    with c.sessions() as s:
        assert [k.kid for k in keys.load_keyring(s).keys] == [0]
        assert audit.list_events(s, where=audit.EventFilter(kind="security.keys_rotated")) == []
    c.close()
    assert runner.invoke(app, ["keys", "rotate", "--grace", "0"]).exit_code == 0  # "now" is the edge, on purpose


def test_security_report_refuses_since_after_until(env: Path) -> None:
    """probe20 N8: --since after --until printed empty tables, which read as "nothing happened"."""
    out = runner.invoke(app, ["security", "report", "--since", "2026-12-06", "--until", "2026-12-01"])
    assert out.exit_code == 2 and "--since (2026-12-06 00:00) is after --until (2026-12-01 00:00)" in out.output
    assert runner.invoke(app, ["security", "report", "--since", "2026-12-01", "--until", "2026-12-01"]).exit_code == 0


def test_user_enable_says_what_becomes_of_the_password(env: Path) -> None:
    """fixleft22a: a disabled account's sign-in tells its right password apart from a wrong one, so enabling
    needs --force-reset (a one-time code printed for the owner) or --keep-password; neither, or both, is refused."""
    from sqlalchemy import func, select

    from encore.accounts import PasswordResetCode

    assert runner.invoke(app, ["user", "disable", "alice"]).exit_code == 0
    unsaid = runner.invoke(app, ["user", "enable", "alice"])
    said = " ".join(unsaid.output.split())
    # probe23 F6: a usage error either way, exit 2 as typer's own (neither exited 1), each with a sentence
    assert unsaid.exit_code == 2 and "new password" in said and "--force-reset or --keep-password" in said, said
    both = runner.invoke(app, ["user", "enable", "alice", "--force-reset", "--keep-password"])
    assert both.exit_code == 2 and "one of --force-reset or --keep-password, not both." in " ".join(both.output.split())
    c = build()
    with c.sessions() as s:
        alice = get_user_by_name(s, username="alice")
        assert alice is not None and not alice.is_active  # neither changed anything
    c.close()
    help_text = " ".join(runner.invoke(app, ["user", "enable", "--help"]).output.split())
    assert "--force-reset" in help_text and "leaked" in help_text
    done = runner.invoke(app, ["user", "enable", "alice", "--force-reset"])
    said = " ".join(done.output.split())
    assert done.exit_code == 0 and "alice is enabled" in said and "one-time code out of band" in said, said
    c = build()
    with c.sessions() as s:
        alice = get_user_by_name(s, username="alice")
        assert alice is not None and alice.is_active and alice.must_reset_password
        codes = s.scalar(
            select(func.count()).select_from(PasswordResetCode).where(PasswordResetCode.user_id == alice.id)
        )
    c.close()
    assert codes == 1


def test_user_enable_with_a_reset_of_an_enabled_account_says_how_to_get_a_code(env: Path) -> None:
    """review22m F8: it printed "alice is enabled (it already was)" and no code, no reset made."""
    again = runner.invoke(app, ["user", "enable", "alice", "--force-reset"])
    said = " ".join(again.output.split())
    assert again.exit_code == 1 and "enabled already, so no reset was made" in said, said
    assert "encore security force-reset --user NAME" in said
    assert runner.invoke(app, ["user", "enable", "alice", "--keep-password"]).exit_code == 0


def test_jobs_show_and_catalog_find_print_no_control_sequence_or_markup(env: Path) -> None:
    """probe23 F1: a listener's file name reached `encore jobs show` with ESC, OSC and CR/LF printed raw to the
    operator's terminal. Whatever a job's error holds (a name sent before names were cleaned, or by any other
    way in), the command spells control characters out and reads no rich markup; a label's title likewise."""
    from encore import portability
    from encore.db import transaction
    from encore.jobs import drain
    from tests.catalog import factories as f

    hostile = "\r\nX-Evil: 1\x1b[31m\x1b]0;pwned\x07\x9b2J[bold]x[/]\u202e.json"
    c = build()
    with transaction(c.sessions) as s:
        alice = get_user_by_name(s, username="alice")
        assert alice is not None
        upload = c.store.new_temp_path(".upload")
        upload.write_bytes(b'[{"x":1}]')
        job = portability.submit_import(s, jobs=c.jobs, user_id=alice.id, upload=upload, filename=hostile)
        f.album(s, "Bad \x1b[2J[/]\x1b]52;c;cHdu\x07 title", f.artist(s, "Band [red]"))
    drain(c.jobs)
    c.close()
    shown = runner.invoke(app, ["jobs", "show", job.id])
    assert shown.exit_code == 1, shown.output  # the job failed
    out = shown.output
    assert not any((ord(ch) < 32 and ch != "\n") or 127 <= ord(ch) < 160 or ch == "\u202e" for ch in out), repr(out)
    flat = "".join(line.strip("│ ") for line in out.splitlines()).replace(" ", "")  # a long error folds
    assert "\\r\\nX-Evil:1\\x1b[31m\\x1b]0;pwned\\x07\\x9b2J[bold]x[/]\\u202e.json" in flat, repr(out)
    found = runner.invoke(app, ["catalog", "find", "Bad"])
    assert found.exit_code == 0, found.output
    assert not any(ord(ch) < 32 and ch != "\n" for ch in found.output), repr(found.output)
    rows = [line.split("│") for line in found.output.splitlines() if line.count("│") == 7]
    title, artist = ("".join(row[at].strip() for row in rows).replace(" ", "") for at in (2, 3))  # folded
    assert title == "Bad\\x1b[2J[/]\\x1b]52;c;cHdu\\x07title" and artist == "Band[red]", found.output


def test_catalog_restore_names_a_hostile_label_in_a_sentence(env: Path) -> None:
    """review23n F7: refusing to restore a release its label withdrew names the label, and a label named with
    rich markup (`[/]`) crashed the command with a MarkupError traceback instead of the sentence."""
    from encore.catalog import Album
    from encore.db import transaction
    from tests.catalog import factories as f

    c = build()
    with transaction(c.sessions) as s:
        album = f.album(s, "Own Choice", f.artist(s, "Band"), on=f.label(s, "Lab [/] \x1b[2Jel"))
        s.get(Album, album.id).status = "withdrawn"  # type: ignore[union-attr]  # by its label, not taken down
        album_id = album.public_id
    c.close()
    said = runner.invoke(app, ["catalog", "restore", album_id])
    # typer.Exit(1) after the sentence, not a MarkupError traceback
    assert said.exit_code == 1 and isinstance(said.exception, SystemExit), (said.exception, said.output)
    flat = " ".join(said.output.split())
    assert "withdrew this release itself" in flat and "Lab [/] \\x1b[2Jel" in flat, said.output
    assert "\x1b[2J" not in said.output and "Traceback" not in said.output


def test_ingest_summary_spells_out_control_characters() -> None:
    """review23n F7: `encore ingest`'s summary printed file names, tags' warnings and reasons with their escape
    sequences (rich's Text drops a few controls but passes ESC)."""
    import io

    from rich.console import Console

    from encore.ingest import render_summary
    from encore.ingest._pipeline import IngestSummary

    summary = IngestSummary()
    summary.failed.append(("/music/in\x1b[2J/a\x1b]52;c;ZXZpbA==\x07b.flac", "not audio\x9b31m"))
    summary.warnings.append(("/music/in/c\x1b[2J.flac", "lyrics\x1b[31m dropped"))
    out = io.StringIO()
    render_summary(summary, Console(file=out, force_terminal=True, width=200))
    printed = out.getvalue()
    styling = printed.replace("\x1b[", "CSI")  # rich's own colours are CSI sequences too: none may come from the text
    assert "\x1b]52" not in printed and "\x9b" not in printed and "CSI2J" not in styling and "CSI31m" not in styling
    assert "a\\x1b]52;c;ZXZpbA==\\x07b.flac" in printed and "lyrics\\x1b[31m dropped" in printed
