"""The incident kit from a shell: `encore keys rotate`, `encore security sign-out | force-reset`."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from encore import audit, keys
from encore.accounts import get_user_by_name
from encore.bootstrap import build
from encore.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
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
