"""review20 N1: disabling a label's only active account is not refused (it is how a member is cut off, and it
can be undone) but the operator is told the label is left with no account, by `PATCH /api/admin/users/{id}` and
by `encore user disable` (deleting that account is refused: tests/web/test_delete_account.py)."""

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from encore import incident
from encore.accounts import Role, User, create_user
from encore.bootstrap import Container
from encore.catalog import upsert_label
from encore.db import transaction
from tests.support.migrate import migrated_sqlite
from tests.support.races import meet, race
from tests.web.conftest import PASSWORD
from tests.web.test_account_disable_api import _ids, _root, _set
from tests.web.test_sign_out_api import client

__all__ = ["client"]
ALONE = "this was the only active account of the label 'Gravel Records'"


def _members(container: Container, *names: str) -> None:
    with transaction(container.sessions) as s:
        label_id = upsert_label(s, name="Gravel Records", kind=None).id
        for name in names:
            create_user(s, username=name, password=PASSWORD, role=Role.LABEL).label_id = label_id


def _disable(client: TestClient, who: str, root: dict[str, str]) -> str | None:
    r = client.patch(f"/api/admin/users/{who}", json={"active": False}, headers=root)
    assert r.status_code == 200 and r.json()["active"] is False, r.text
    warning: str | None = r.json()["warning"]
    return warning


def test_the_last_active_account_of_a_label_is_disabled_with_a_warning(
    client: TestClient, container: Container, listener: str
) -> None:
    root = _root(client, container)
    _members(container, "member", "last")
    ids = _ids(container)
    assert _disable(client, ids["member"], root) is None  # "last" still signs in for the label
    said = _disable(client, ids["last"], root)
    assert said is not None and said.startswith(ALONE) and "encore user create NAME --label 'Gravel Records'" in said
    assert _disable(client, ids[listener], root) is None  # a listener has no label
    assert (
        client.patch(f"/api/admin/users/{ids['last']}", json={"active": True, "password": "keep"}, headers=root).json()[
            "warning"
        ]
        is None
    )
    # enabled again, the label has an account: disabling the other is quiet
    assert _set(client, ids["member"], True, root) == 200 and _disable(client, ids["member"], root) is None


def test_two_members_disabled_at_once_the_second_is_told(container: Container) -> None:
    """Each disabling reads the other member still active unless the second waits for the first to end."""
    _members(container, "one", "two")
    with container.sessions() as s:
        ids: dict[str, int] = dict(s.execute(select(User.username, User.id)).all())
    window = threading.Barrier(2)

    def disabling(name: str):  # type: ignore[no-untyped-def]
        def move(s: Session) -> str:
            now = container.clock.now()
            incident.set_account_active(s, user_id=ids[name], active=False, actor_id=None, now=now)
            meet(window)  # both accounts are disabled, neither transaction has ended
            return incident.warnings_on_disable(s, user_id=ids[name], now=now) or "quiet"

        return move

    outcomes = race(container, [disabling("one"), disabling("two")])
    assert len(outcomes) == 2 and sum(o.startswith(ALONE) for o in outcomes) == 1, outcomes
    assert "quiet" in outcomes


def test_encore_user_disable_says_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> None:
    from encore.cli import app

    runner = CliRunner()
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    migrated_sqlite(sqlite_template, tmp_path / "var" / "encore.db")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    for name in ("one", "two"):
        made = runner.invoke(app, ["user", "create", name, "--password", "long-password", "--label", "Gravel Records"])
        assert made.exit_code == 0, made.output
    first = runner.invoke(app, ["user", "disable", "one"])
    assert first.exit_code == 0 and "Note:" not in first.output, first.output
    second = runner.invoke(app, ["user", "disable", "two"])
    said = " ".join(second.output.split())  # the console wraps long lines
    assert second.exit_code == 0 and "two is disabled" in said and ALONE in said, second.output
