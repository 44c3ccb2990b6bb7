"""fixleft22a: signing in tells a disabled account's right password apart from a wrong one (its owner is told why),
so after a breach a guesser may have confirmed a leaked password. Enabling therefore says what becomes of it:
`PATCH /api/admin/users/{id}` {"active": true, "password": "reset" | "keep"}; without it, refused with why."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import audit
from encore.accounts import User
from encore.bootstrap import Container
from encore.db import transaction
from tests.web.conftest import PASSWORD
from tests.web.test_account_disable_api import _ids, _root
from tests.web.test_sign_out_api import client

__all__ = ["client"]


def _disabled(client: TestClient, container: Container, listener: str, root: dict[str, str]) -> str:
    who = _ids(container)[listener]
    assert client.patch(f"/api/admin/users/{who}", json={"active": False}, headers=root).status_code == 200
    return who


def _user(container: Container, name: str) -> User:
    with container.sessions() as s:
        user = s.scalar(select(User).where(User.username == name))
        assert user is not None
        return user


def test_enabling_without_saying_what_becomes_of_the_password_is_refused(
    client: TestClient, container: Container, listener: str
) -> None:
    root = _root(client, container)
    who = _disabled(client, container, listener, root)
    r = client.patch(f"/api/admin/users/{who}", json={"active": True}, headers=root)
    assert r.status_code == 409 and r.json()["error"]["code"] == "password_unsaid", r.text
    assert "new password" in r.json()["error"]["message"]
    for bad in ("", "Reset", "none", True, 1):  # each hostile value refused, the account left disabled
        r = client.patch(f"/api/admin/users/{who}", json={"active": True, "password": bad}, headers=root)
        assert r.status_code == 422, (bad, r.text)
    assert not _user(container, listener).is_active
    # disabling says nothing of the password; enabling an account already active needs no choice either
    assert client.patch(f"/api/admin/users/{who}", json={"active": False}, headers=root).status_code == 200
    other = _ids(container)["root"]
    assert client.patch(f"/api/admin/users/{other}", json={"active": True}, headers=root).status_code == 200


def test_enabling_with_a_reset_answers_the_code_and_the_old_password_alone_no_longer_does(
    client: TestClient, container: Container, listener: str
) -> None:
    root = _root(client, container)
    who = _disabled(client, container, listener, root)
    r = client.patch(f"/api/admin/users/{who}", json={"active": True, "password": "reset"}, headers=root)
    assert r.status_code == 200 and r.json()["active"] is True, r.text
    code = r.json()["reset_code"]
    assert code["username"] == listener and len(code["code"]) >= 8 and code["expires_at"]
    user = _user(container, listener)
    assert user.is_active and user.must_reset_password
    login = client.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
    assert login.status_code == 200 and login.json()["user"]["must_reset_password"] is True  # the code is needed
    with transaction(container.sessions) as s:
        kinds = [e.kind for e in audit.list_events(s, where=audit.EventFilter(kind="security"))]
        enabled = audit.list_events(s, where=audit.EventFilter(kind="security.account_enabled"))
    assert "security.reset_forced" in kinds and [e.details for e in enabled] == [{"password": "reset"}]


def test_enabling_with_the_password_kept_says_so_in_the_audit_log(
    client: TestClient, container: Container, listener: str
) -> None:
    root = _root(client, container)
    who = _disabled(client, container, listener, root)
    r = client.patch(f"/api/admin/users/{who}", json={"active": True, "password": "keep"}, headers=root)
    assert r.status_code == 200 and r.json()["reset_code"] is None, r.text
    assert not _user(container, listener).must_reset_password
    login = client.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
    assert login.status_code == 200 and login.json()["user"]["must_reset_password"] is False
    with container.sessions() as s:
        enabled = audit.list_events(s, where=audit.EventFilter(kind="security.account_enabled"))
    assert [e.details for e in enabled] == [{"password": "keep"}]
