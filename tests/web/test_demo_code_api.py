"""A demo server's Premium code: one per account, so one sign-in cannot mint codes for everyone; a code shown and
lost before it was redeemed is replaced by a new one (probe24b F2)."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.billing import RedeemCode
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
    # shown once and lost (a reload before Redeem): asking again gives a new code, and the lost one is retired
    again = client.post("/api/me/subscription/demo-code", headers=CSRF)
    assert again.status_code == 201 and again.json()["code"] != first.json()["code"]
    lost = client.post("/api/me/subscription/redeem", json={"code": first.json()["code"]}, headers=CSRF)
    assert lost.status_code == 404 and lost.json()["error"]["code"] == "bad_code"
    redeemed = client.post("/api/me/subscription/redeem", json={"code": again.json()["code"]}, headers=CSRF)
    assert redeemed.status_code == 200, redeemed.text
    taken = client.post("/api/me/subscription/demo-code", headers=CSRF)
    assert taken.status_code == 409 and taken.json()["error"] == {
        "code": "demo_code_taken",
        "message": "this account's demo code was already redeemed",
    }
    with container.sessions() as s:  # one code per account, ever: the replaced one left no row behind
        assert s.scalar(select(func.count()).select_from(RedeemCode)) == 1
    login(client, "other")
    assert client.post("/api/me/subscription/demo-code", headers=CSRF).status_code == 201  # each account its own
