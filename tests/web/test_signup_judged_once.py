"""A sign-up's password is judged (zxcvbn, up to ~12 ms of CPU) once: the route judged it (`check_new_account`,
before its throttle) and `create_user` judged it again (session 27's note). The route now gives the form it
checked to `create_checked_user`; every other way an account is made (`create_user`: the CLI, the demo) still
judges it, and a form cannot be passed as checked without being checked. zxcvbn itself runs each time, its calls
counted; `client` runs on SQLite and PostgreSQL. tests/cli/test_names27_cli.py holds `encore user create`."""

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import zxcvbn
from fastapi.testclient import TestClient

from encore.accounts import AccountFormInvalid, CheckedAccount, check_new_account, create_user, get_user_by_name
from encore.bootstrap import Container
from encore.db import transaction

STRONG = "correct horse battery 9"


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of each password zxcvbn judges, the real zxcvbn judging it (`check_password` imports it when
    it judges, so the module's attribute is what it calls)."""
    seen: list[str] = []
    real: Callable[..., Any] = zxcvbn.zxcvbn

    def counted(password: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(password)
        return real(password, *args, **kwargs)

    monkeypatch.setattr(zxcvbn, "zxcvbn", counted)
    return seen


def _signup(client: TestClient, username: str, password: str, ip: str) -> Any:
    body = {"username": username, "password": password}
    return client.post("/api/auth/signup", json=body, headers={"X-Forwarded-For": ip})


def test_a_sign_up_judges_its_password_once(client: TestClient, container: Container, judged: list[str]) -> None:
    r = _signup(client, "night_owl", STRONG, "198.51.100.31")
    assert r.status_code == 201, r.text
    assert judged == [STRONG[:24]]  # was twice: the route's check, then create_user's
    with container.sessions() as s:
        assert get_user_by_name(s, username="night_owl") is not None


def test_a_weak_password_is_still_refused_at_sign_up_and_by_create_user(
    client: TestClient, container: Container, judged: list[str]
) -> None:
    r = _signup(client, "lark", "password", "198.51.100.32")
    assert r.status_code == 422 and "too easy to guess" in r.json()["error"]["fields"]["password"], r.text
    assert judged == ["password"]
    with transaction(container.sessions) as s, pytest.raises(AccountFormInvalid) as refused:
        create_user(s, username="wren", password="qwertyuiop")  # the CLI's and the demo's way
    assert "too easy to guess" in refused.value.fields["password"]
    assert judged == ["password", "qwertyuiop"]
    with container.sessions() as s:
        assert get_user_by_name(s, username="lark") is None and get_user_by_name(s, username="wren") is None


def test_a_form_cannot_pass_as_checked_without_being_checked() -> None:
    with pytest.raises(TypeError, match="check_new_account"):
        CheckedAccount("wren", "password", "wren")
    checked = check_new_account(username="wren", password="correct horse battery 9", display_name=None)
    for changed in ({"password": "password"}, {"username": "x y"}, {"display_name": "Listener Ab12"}):
        with pytest.raises(TypeError, match="check_new_account"):  # review28c L1: replace() kept the token
            dataclasses.replace(checked, **changed)  # type: ignore[arg-type]
    assert dataclasses.replace(checked) == checked  # the same contents, checked already
