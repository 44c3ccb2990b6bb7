"""Subscriptions through the API: admin grants, redeem codes, and no way to become Premium by asking."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import Role, User, create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.web.conftest import PASSWORD, login


def _h(client: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, name)}"}


def _users(container: Container) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password=PASSWORD)
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)


def test_mass_assignment_cannot_make_premium_or_label(client: TestClient, container: Container) -> None:
    _users(container)
    h = _h(client, "listener")
    for body in (
        {"code": "NOPE-NOPE", "tier": "premium"},
        {"code": "NOPE-NOPE", "state": "active", "period_end": "2099-01-01T00:00:00Z"},
        {"code": "NOPE-NOPE", "role": "label", "label_id": 1},
    ):
        r = client.post("/api/me/subscription/redeem", json=body, headers=h)
        assert r.status_code == 422, body
    r = client.post(
        "/api/auth/signup", json={"username": "sneaky", "password": PASSWORD, "role": "label", "tier": "premium"}
    )
    assert r.status_code == 422
    assert client.get("/api/me/subscription", headers=h).json()["tier"] == "free"
    with container.sessions() as s:
        assert s.scalar(select(User.role).where(User.username == "listener")) == "listener"
        assert s.scalar(select(User).where(User.username == "sneaky")) is None


def test_admin_routes_answer_404_to_listeners(client: TestClient, container: Container) -> None:
    _users(container)
    h = _h(client, "listener")
    with container.sessions() as s:
        me = s.scalar(select(User.public_id).where(User.username == "listener"))
    assert client.put(f"/api/admin/users/{me}/premium", json={"days": 30}, headers=h).status_code == 404
    assert client.delete(f"/api/admin/users/{me}/premium", headers=h).status_code == 404
    assert client.post("/api/admin/redeem-codes", json={"days": 30}, headers=h).status_code == 404
    assert client.get("/api/me/subscription", headers=h).json()["tier"] == "free"


def test_codes_work_once_and_extend_premium(client: TestClient, container: Container) -> None:
    _users(container)
    with transaction(container.sessions) as s:
        create_user(s, username="second", password=PASSWORD)
    admin = _h(client, "root")
    codes = client.post("/api/admin/redeem-codes", json={"days": 30, "count": 2}, headers=admin).json()["codes"]
    assert len(set(codes)) == 2
    h = _h(client, "listener")
    first = client.post("/api/me/subscription/redeem", json={"code": codes[0]}, headers=h).json()
    assert first["tier"] == "premium" and first["state"] == "active" and first["provider"] == "code"
    second = client.post("/api/me/subscription/redeem", json={"code": codes[1].lower()}, headers=h).json()
    assert second["period_end"] > first["period_end"]  # stacked, not replaced
    other = _h(client, "second")
    r = client.post("/api/me/subscription/redeem", json={"code": codes[0]}, headers=other)
    assert r.status_code == 404 and r.json()["error"]["code"] == "bad_code"
    r = client.post("/api/me/subscription/redeem", json={"code": "GUESSED-CODE"}, headers=other)
    assert r.status_code == 404 and r.json()["error"]["code"] == "bad_code"


def test_admin_grants_and_revokes(client: TestClient, container: Container) -> None:
    _users(container)
    admin = _h(client, "root")
    with container.sessions() as s:
        uid = s.scalar(select(User.public_id).where(User.username == "listener"))
    granted = client.put(f"/api/admin/users/{uid}/premium", json={"days": 7}, headers=admin).json()
    assert granted["tier"] == "premium" and granted["provider"] == "manual"
    assert client.put(f"/api/admin/users/{uid}/premium", json={"days": 0}, headers=admin).status_code == 422
    assert (
        client.put("/api/admin/users/AAAAAAAAAAAAAAAAAAAAAA/premium", json={"days": 7}, headers=admin).status_code
        == 404
    )
    revoked = client.delete(f"/api/admin/users/{uid}/premium", headers=admin).json()
    assert revoked["tier"] == "free" and revoked["state"] == "expired"
    assert client.get("/api/me/subscription", headers=_h(client, "listener")).json()["tier"] == "free"


def test_trial_is_off_by_default_and_once_when_on(client: TestClient, container: Container) -> None:
    _users(container)
    h = _h(client, "listener")
    r = client.post("/api/me/subscription/trial", headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "no_trial"
    container.settings = container.settings.model_copy(update={"trial_days": 14})
    assert client.post("/api/me/subscription/trial", headers=h).json()["state"] == "trialing"
    r = client.post("/api/me/subscription/trial", headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "trial_used"


def test_a_demo_code_only_on_a_demo_server_and_it_redeems_once(client: TestClient, container: Container) -> None:
    _users(container)
    h = _h(client, "listener")
    assert client.get("/api/me/subscription", headers=h).json()["demo"] is False
    r = client.post("/api/me/subscription/demo-code", headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_demo"
    container.settings = container.settings.model_copy(update={"mode": "demo"})
    assert client.get("/api/me/subscription", headers=h).json()["demo"] is True
    r = client.post("/api/me/subscription/demo-code", headers=h)
    assert r.status_code == 201 and r.json()["days"] == 30
    code = r.json()["code"]
    redeemed = client.post("/api/me/subscription/redeem", json={"code": code}, headers=h)
    assert redeemed.status_code == 200 and redeemed.json()["tier"] == "premium"
    again = client.post("/api/me/subscription/redeem", json={"code": code}, headers=h)
    assert again.status_code == 404  # one use, like any code


def test_a_label_account_is_refused_codes_and_trials_as_at_checkout(client: TestClient, container: Container) -> None:
    """probe19 N1: a label account redeemed a Premium code (200, the code spent); checkout refuses it."""
    from encore.catalog import upsert_label

    _users(container)
    with transaction(container.sessions) as s:
        label = create_user(s, username="label", password=PASSWORD, role=Role.LABEL)
        label.label_id = upsert_label(s, name="Gravel Records", kind=None).id
    code = client.post("/api/admin/redeem-codes", json={"days": 30, "count": 1}, headers=_h(client, "root"))
    h = _h(client, "label")
    r = client.post("/api/me/subscription/redeem", json={"code": code.json()["codes"][0]}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "label_account"
    container.settings = container.settings.model_copy(update={"mode": "demo", "trial_days": 14})
    for path in ("/api/me/subscription/demo-code", "/api/me/subscription/trial"):
        r = client.post(path, headers=h)
        assert r.status_code == 409 and r.json()["error"]["code"] == "label_account", path
    assert client.get("/api/me/subscription", headers=h).json()["tier"] == "free"
    listener = _h(client, "listener")  # the code was not spent: a listener still redeems it
    ok = client.post("/api/me/subscription/redeem", json={"code": code.json()["codes"][0]}, headers=listener)
    assert ok.status_code == 200 and ok.json()["tier"] == "premium"
