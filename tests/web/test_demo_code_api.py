"""A demo server's Premium code: one per account, so one sign-in cannot mint codes for everyone."""

from fastapi.testclient import TestClient

from encore.bootstrap import Container
from encore.db import transaction
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}


def test_one_demo_code_per_account(client: TestClient, container: Container, listener: str) -> None:
    from encore.accounts import create_user

    container.settings = container.settings.model_copy(update={"mode": "demo"})
    with transaction(container.sessions) as s:
        create_user(s, username="other", password=PASSWORD)
    login(client, listener)
    first = client.post("/api/me/subscription/demo-code", headers=CSRF)
    assert first.status_code == 201 and first.json()["days"] == 30
    again = client.post("/api/me/subscription/demo-code", headers=CSRF)
    assert again.status_code == 409 and again.json()["error"]["code"] == "demo_code_taken"
    redeemed = client.post("/api/me/subscription/redeem", json={"code": first.json()["code"]}, headers=CSRF)
    assert redeemed.status_code == 200, redeemed.text
    assert client.post("/api/me/subscription/demo-code", headers=CSRF).status_code == 409  # redeemed or not
    login(client, "other")
    assert client.post("/api/me/subscription/demo-code", headers=CSRF).status_code == 201  # each account its own
