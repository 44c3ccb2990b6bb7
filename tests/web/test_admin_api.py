"""The admin screens' reads: accounts with their tier (found by name, wildcards taken literally), campaigns."""

from fastapi.testclient import TestClient

from encore.accounts import Role, create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}


def test_accounts_for_admins_only_found_literally(client: TestClient, container: Container, listener: str) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        create_user(s, username="per_cent", password=PASSWORD, display_name="100% Fan")
    login(client, listener)
    assert client.get("/api/admin/users").status_code == 404  # listeners learn nothing of admin routes
    assert client.get("/api/admin/ad-campaigns").status_code == 404
    login(client, "root")
    everyone = client.get("/api/admin/users").json()["items"]
    assert [u["username"] for u in everyone] == ["listener", "per_cent", "root"]
    assert {u["tier"] for u in everyone} == {"free"} and everyone[0]["premium_until"] is None
    assert [u["username"] for u in client.get("/api/admin/users", params={"q": "%"}).json()["items"]] == ["per_cent"]
    assert [u["username"] for u in client.get("/api/admin/users", params={"q": "_"}).json()["items"]] == ["per_cent"]
    assert client.get("/api/admin/users", params={"q": "x" * 65}).status_code == 422
    fan = everyone[1]["id"]
    assert client.put(f"/api/admin/users/{fan}/premium", json={"days": 14}, headers=CSRF).status_code == 200
    granted = client.get("/api/admin/users", params={"q": "fan"}).json()["items"][0]
    assert granted["tier"] == "premium" and granted["premium_until"] is not None
    assert client.get("/api/admin/ad-campaigns").json() == {"items": []}
