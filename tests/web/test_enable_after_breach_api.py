"""fixleft22a: signing in tells a disabled account's right password apart from a wrong one (its owner is told why),
so after a breach a guesser may have confirmed a leaked password. Enabling therefore says what becomes of it:
`PATCH /api/admin/users/{id}` {"active": true, "password": "reset" | "keep"}; without it, refused with why."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import audit
from encore.accounts import User
from encore.bootstrap import Container
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


@pytest.mark.parametrize("password", ["reset", "keep"])
def test_enabling_resets_the_password_with_a_code_or_keeps_it_as_asked(
    client: TestClient, container: Container, listener: str, password: str
) -> None:
    """reset: the code is answered, and the old password alone no longer does (the code is still needed)."""
    root = _root(client, container)
    who = _disabled(client, container, listener, root)
    r = client.patch(f"/api/admin/users/{who}", json={"active": True, "password": password}, headers=root)
    assert r.status_code == 200 and r.json()["active"] is True, r.text
    code, reset = r.json()["reset_code"], password == "reset"
    if reset:
        assert code["username"] == listener and len(code["code"]) >= 8 and code["expires_at"]
    else:
        assert code is None
    assert _user(container, listener).must_reset_password is reset
    login = client.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
    assert login.status_code == 200 and login.json()["user"]["must_reset_password"] is reset
    with container.sessions() as s:
        kinds = [e.kind for e in audit.list_events(s, where=audit.EventFilter(kind="security"))]
        enabled = audit.list_events(s, where=audit.EventFilter(kind="security.account_enabled"))
    assert ("security.reset_forced" in kinds) is reset and [e.details for e in enabled] == [{"password": password}]


def test_enabling_with_a_reset_asked_again_is_refused_rather_than_answered_without_a_code(
    client: TestClient, container: Container, listener: str
) -> None:
    """review22m F8: the admin's first answer (with the code) lost, the retry answered 200 enabled with no code:
    the account had to reset and nobody held a code. Refused now, saying how to get one; `keep` stays a no-op."""
    root = _root(client, container)
    who = _disabled(client, container, listener, root)
    first = client.patch(f"/api/admin/users/{who}", json={"active": True, "password": "reset"}, headers=root)
    assert first.status_code == 200 and first.json()["reset_code"], first.text
    again = client.patch(f"/api/admin/users/{who}", json={"active": True, "password": "reset"}, headers=root)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_enabled", again.text
    assert "force-reset" in again.json()["error"]["message"]
    kept = client.patch(f"/api/admin/users/{who}", json={"active": True, "password": "keep"}, headers=root)
    assert kept.status_code == 200 and kept.json()["active"] is True, kept.text
