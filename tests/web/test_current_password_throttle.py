"""Changing the password or the email checks the current password on the log-in throttle's (account,
client) pair: a stolen session cannot guess it without limit, and past the limit even the right one waits."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from encore.kernel import FixedClock
from tests.web.conftest import PASSWORD, login

NEW = "a-brand-new-pass-42"


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/me/password", {"new_password": NEW}), ("/api/me/email", {"email": "new@example.org"})],
)
def test_the_right_password_waits_after_too_many_wrong_ones(
    client: TestClient, container: Container, listener: str, path: str, body: dict[str, str]
) -> None:
    container.clock = FixedClock(datetime.now(UTC))  # no delay runs out during the test
    auth = {"Authorization": f"Bearer {login(client, listener)}"}
    client.cookies.clear()
    answers = []
    for n in range(12):
        r = client.put(path, json={**body, "current_password": f"wrong-guess-{n}"}, headers=auth)
        answers.append(r.status_code)
        if r.status_code == 429:
            break
    assert answers[0] == 400 and answers[-1] == 429, answers
    right = client.put(path, json={**body, "current_password": PASSWORD}, headers=auth)
    assert right.status_code == 429 and right.json()["error"]["code"] == "too_many_attempts_account"
    assert int(right.headers["Retry-After"]) >= 1
    login_too = client.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
    assert login_too.status_code == 429  # the same pair as log-in: guesses here count there
