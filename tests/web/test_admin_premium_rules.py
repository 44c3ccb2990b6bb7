"""The admin's account routes hold to the rules every other way in does.

- probe20 N1: "Premium is a listener's" (`billing.check_premium_buyer`) refused checkout, a code, a demo code and
  a trial for a label account, but the admin's grant gave one Premium (200), and a disabled account too. Both
  are refused now, with the operator told what to do; revoking is not (taking Premium away is always allowed).
- probe20 N6: `PATCH /api/admin/users/{id}` read `active` loosely: "yes", 1 and "on" enabled an account, and
  "no", 0, "off", "0" and "false" disabled one. It is true or false (422 otherwise), as a playlist's `public` is."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import incident
from encore.accounts import Role, User, create_user
from encore.billing import Subscription
from encore.bootstrap import Container
from encore.db import transaction
from tests.catalog import factories as f
from tests.web.conftest import PASSWORD, login


@pytest.fixture
def root(client: TestClient, container: Container) -> dict[str, str]:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        create_user(s, username="alice", password=PASSWORD)
        harbour = create_user(s, username="harbour", password=PASSWORD)
        harbour.label_id = f.label(s, "Harbour Records").id
    token = login(client, "root")
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}"}


def _user(container: Container, name: str) -> tuple[int, str, bool]:
    with container.sessions() as s:
        user = s.scalar(select(User).where(User.username == name))
        assert user is not None
        return user.id, user.public_id, user.is_active


def _has_row(container: Container, name: str) -> bool:
    with container.sessions() as s:
        return s.scalar(select(Subscription.id).join(User).where(User.username == name)) is not None


def test_a_grant_to_a_label_account_is_refused_with_the_reason(
    client: TestClient, container: Container, root: dict[str, str]
) -> None:
    _, harbour, _ = _user(container, "harbour")
    r = client.put(f"/api/admin/users/{harbour}/premium", json={"days": 30}, headers=root)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "label_account" and "listener's own account" in error["message"]
    assert not _has_row(container, "harbour")
    assert client.delete(f"/api/admin/users/{harbour}/premium", headers=root).status_code == 200  # taking is fine


def test_a_grant_to_a_disabled_account_is_refused_until_it_is_enabled(
    client: TestClient, container: Container, root: dict[str, str]
) -> None:
    user_id, alice, _ = _user(container, "alice")
    assert client.patch(f"/api/admin/users/{alice}", json={"active": False}, headers=root).status_code == 200
    r = client.put(f"/api/admin/users/{alice}/premium", json={"days": 30}, headers=root)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "account_disabled" and "enable it first" in r.json()["error"]["message"]
    assert not _has_row(container, "alice")
    assert (
        client.patch(f"/api/admin/users/{alice}", json={"active": True, "password": "keep"}, headers=root).status_code
        == 200
    )
    r = client.put(f"/api/admin/users/{alice}/premium", json={"days": 30}, headers=root)
    assert r.status_code == 200 and r.json()["tier"] == "premium"
    with transaction(container.sessions) as s:  # disabled while Premium runs: the revoke still goes through
        incident.set_account_active(s, user_id=user_id, active=False, actor_id=None, now=container.clock.now())
    r = client.delete(f"/api/admin/users/{alice}/premium", headers=root)
    assert r.status_code == 200 and r.json()["tier"] == "free"


LOOSE = ["yes", "no", "on", "off", "0", "1", "false", "true", 0, 1, 0.0, None, [], {}]


def test_active_is_true_or_false_and_nothing_that_reads_like_one(
    client: TestClient, container: Container, root: dict[str, str]
) -> None:
    _, alice, _ = _user(container, "alice")
    for active in (True, False):  # each loose value refused both ways, the account left as it was
        for loose in LOOSE:
            r = client.patch(f"/api/admin/users/{alice}", json={"active": loose}, headers=root)
            assert r.status_code == 422, (loose, r.text)
            error = r.json()["error"]
            assert "active" in error["fields"] and "valid boolean" in error["message"], error
            assert _user(container, "alice")[2] is active
        body = {"active": False} if active else {"active": True, "password": "keep"}
        assert client.patch(f"/api/admin/users/{alice}", json=body, headers=root).status_code == 200
