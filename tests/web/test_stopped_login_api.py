"""probe20 F6: a disabled account signing in with its right password was told "wrong username or password", each
try was recorded as a failed guess (a LoginAttempt, audit `login.failed`) and the sixth was throttled. Only the
right password learns that the account is stopped (403 `account_disabled`, or `account_deleting` once its deletion
was asked); that is not a guess and is audited as `login.refused`. A wrong password stays the generic 401, counted
and throttled, whatever the account's state."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore import audit, incident
from encore.accounts import LoginAttempt, get_user_by_name
from encore.bootstrap import Container
from encore.db import transaction
from tests.support.jobs import CSRF, run_jobs
from tests.web.conftest import PASSWORD, login

DISABLED = "This account is disabled. Contact the server's operator."


def _login(client: TestClient, username: str, password: str) -> tuple[int, dict[str, str]]:
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    return r.status_code, r.json().get("error", {})


def _set_active(container: Container, username: str, active: bool) -> None:
    with transaction(container.sessions) as s:
        user = get_user_by_name(s, username=username)
        assert user is not None
        now, password = container.clock.now(), "keep" if active else None
        incident.set_account_active(s, user_id=user.id, active=active, actor_id=None, now=now, password=password)


def _events(container: Container, kind: str) -> list[audit.EventView]:
    with container.sessions() as s:
        return audit.list_events(s, where=audit.EventFilter(kind=kind))


def test_a_disabled_account_with_its_right_password_is_told_so_and_not_counted(
    client: TestClient, container: Container, listener: str
) -> None:
    _set_active(container, listener, False)
    unknown = _login(client, "nobody-here", "whatever-pass")
    for _ in range(3):  # someone without the password learns nothing: the generic answer of an unknown name
        assert _login(client, listener, "not-the-password") == unknown
    assert unknown == (401, {"code": "invalid_credentials", "message": "wrong username or password"})
    for _ in range(8):  # more than the throttle lets through: a right password is no guess
        assert _login(client, listener, PASSWORD) == (403, {"code": "account_disabled", "message": DISABLED})
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LoginAttempt)) == 4  # the 3 wrong ones and nobody-here
    refused = _events(container, "login.refused")
    assert len(refused) == 8 and {(e.subject, e.details["reason"]) for e in refused} == {(listener, "account_disabled")}
    assert len([e for e in _events(container, "login.failed") if e.subject == listener]) == 3
    now = container.clock.now()
    with container.sessions() as s:
        report = audit.security_report(s, since=now - timedelta(hours=1), until=now + timedelta(seconds=1))
    row = next(r for r in report.logins if r.account == listener)
    assert (row.logins, row.failures, row.refused) == (0, 3, 8)  # the operator tells the person from a guesser

    _set_active(container, listener, True)
    assert client.post("/api/auth/login", json={"username": listener, "password": PASSWORD}).status_code == 200


def test_wrong_passwords_on_a_disabled_account_are_still_throttled(
    client: TestClient, container: Container, listener: str
) -> None:
    """The 403 would tell a guesser the password is right: the throttle is taken before the password is tried, so
    once it is spent the right password gets the same 429 as the wrong ones, on a disabled account as on any."""
    _set_active(container, listener, False)
    codes = [_login(client, listener, "guess-number-x")[0] for _ in range(6)]
    assert codes == [401] * 5 + [429]
    status, error = _login(client, listener, PASSWORD)
    assert status == 429 and error["code"] == "too_many_attempts_account"


def test_an_account_being_deleted_says_so_until_it_is_gone(
    client: TestClient, container: Container, listener: str
) -> None:
    """Its deletion asked (by its owner here), the right password hears it is being deleted; once erased the name
    is unknown, and the answer is the generic one again (the name may be someone else's by then)."""
    login(client, listener)
    assert client.post("/api/me/delete-account", json={"password": PASSWORD}, headers=CSRF).status_code == 202
    status, error = _login(client, listener, PASSWORD)
    assert status == 403 and error["code"] == "account_deleting" and "being erased" in error["message"]
    assert _login(client, listener, "not-the-password")[0] == 401
    run_jobs(container)
    assert _login(client, listener, PASSWORD) == (
        401,
        {"code": "invalid_credentials", "message": "wrong username or password"},
    )
