"""The audit log through the API: what the player and the admin see, filters and exports."""

import csv
import io

from fastapi.testclient import TestClient

from encore.accounts import Role, create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.web.conftest import PASSWORD, login

UA = {"User-Agent": "TestPhone/1.0"}


def _admin(container: Container) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password="root-pass-1234", role=Role.ADMIN)
        create_user(s, username="other", password=PASSWORD)


def test_listeners_see_their_own_events(client: TestClient, container: Container, listener: str) -> None:
    _admin(container)
    assert client.get("/api/me/security/events").status_code == 401
    bad = client.post("/api/auth/login", json={"username": listener, "password": "wrong-password"}, headers=UA)
    assert bad.status_code == 401
    token = login(client, listener)
    client.cookies.clear()
    auth = {"Authorization": f"Bearer {token}"}
    device = client.post("/api/me/devices", json={"name": "Symfonium"}, headers=auth).json()
    assert client.delete(f"/api/me/devices/{device['id']}", headers=auth).status_code == 204
    other = {"Authorization": f"Bearer {login(client, 'other')}"}
    client.cookies.clear()

    items = client.get("/api/me/security/events", headers=auth).json()["items"]
    assert [e["kind"] for e in items] == ["device.revoked", "device.created", "login", "login.failed"]
    failed = items[-1]
    assert failed["client_ip"] == "testclient" and failed["user_agent"] == "TestPhone/1.0"
    assert failed["details"] == {"username": listener, "reason": "invalid_credentials"}
    assert "app_password" not in str(items) and device["app_password"] not in str(items)
    theirs = client.get("/api/me/security/events", headers=other).json()["items"]
    assert [e["kind"] for e in theirs] == ["login"]  # nothing of the listener's
    page = client.get("/api/me/security/events?limit=2", headers=auth).json()
    older = client.get(f"/api/me/security/events?limit=2&before={page['next_before']}", headers=auth).json()
    assert [e["kind"] for e in older["items"]] == ["login", "login.failed"]
    # admins' routes answer like a missing page for anyone else
    assert client.get("/api/admin/audit", headers=auth).status_code == 404
    assert client.get("/api/admin/audit/export", headers=auth).status_code == 404


def test_admins_filter_and_export(client: TestClient, container: Container, listener: str) -> None:
    _admin(container)
    client.post("/api/auth/login", json={"username": "other", "password": "nope-nope-nope"})
    login(client, listener)
    root = {"Authorization": f"Bearer {login(client, 'root', 'root-pass-1234')}"}
    client.cookies.clear()
    with container.sessions() as s:
        from encore.accounts import get_user_by_name

        target = get_user_by_name(s, username=listener)
        assert target is not None
        target_id = target.public_id
    assert client.put(f"/api/admin/users/{target_id}/premium", json={"days": 30}, headers=root).status_code == 200

    everything = client.get("/api/admin/audit", headers=root).json()["items"]
    assert [e["kind"] for e in everything] == ["admin.premium_granted", "login", "login", "login.failed"]
    grant = everything[0]
    assert (grant["actor"], grant["subject"], grant["details"]) == ("root", listener, {"days": 30})
    mine = client.get(f"/api/admin/audit?account={listener}", headers=root).json()["items"]
    assert [e["kind"] for e in mine] == ["admin.premium_granted", "login"]
    fails = client.get("/api/admin/audit?kind=login.failed", headers=root).json()["items"]
    assert [(e["kind"], e["subject"]) for e in fails] == [("login.failed", "other")]
    future = client.get("/api/admin/audit?since=2999-01-01T00:00:00Z", headers=root).json()["items"]
    assert future == []
    assert client.get("/api/admin/audit?account=nobody", headers=root).status_code == 404
    assert client.get("/api/admin/audit?since=yesterday", headers=root).status_code == 422
    assert client.get("/api/admin/audit?kind=%27%3B--", headers=root).status_code == 422

    r = client.get(f"/api/admin/audit/export?format=csv&account={listener}", headers=root)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert (
        r.headers["content-disposition"]
        == "attachment; filename=\"encore-audit.csv\"; filename*=UTF-8''encore-audit.csv"
    )
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["kind"] for row in rows] == ["admin.premium_granted", "login"]
    r = client.get("/api/admin/audit/export?format=json&kind=admin", headers=root)
    assert [e["kind"] for e in r.json()["items"]] == ["admin.premium_granted"]
    # exporting the audit log is itself an audited export
    exported = client.get("/api/admin/audit?kind=export", headers=root).json()["items"]
    assert [e["details"]["what"] for e in exported] == ["audit log", "audit log"]


def test_email_changes_need_the_password_and_are_audited(client: TestClient, listener: str) -> None:
    auth = {"Authorization": f"Bearer {login(client, listener)}"}
    client.cookies.clear()
    wrong = client.put("/api/me/email", json={"current_password": "not-it-at-all", "email": "a@b.org"}, headers=auth)
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "bad_password"
    for bad in ("no-at-sign", "a@nodot", "a b@c.org", "@c.org"):
        r = client.put("/api/me/email", json={"current_password": PASSWORD, "email": bad}, headers=auth)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_email", bad
    assert client.put("/api/me/email", json={"current_password": PASSWORD, "email": "me@example.org"},
                      headers=auth).status_code == 204  # fmt: skip
    assert client.put("/api/me/email", json={"current_password": PASSWORD, "email": "new@example.org"},
                      headers=auth).status_code == 204  # fmt: skip
    changes = client.get("/api/me/security/events", headers=auth).json()["items"]
    emails = [e["details"] for e in changes if e["kind"] == "email.changed"]
    assert emails == [{"old": "me@example.org", "new": "new@example.org"}, {"old": None, "new": "me@example.org"}]
