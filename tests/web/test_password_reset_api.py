"""Forced password reset: at the next request every face refuses the account in its own shape until a new
password is chosen; the player may read /api/me (to show the form) and change the password, nothing else."""

from fastapi.testclient import TestClient

from encore.accounts import Role, create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.web.conftest import PASSWORD, login
from tests.web.test_sign_out_api import ALL, NONE, _everything, _works, client

__all__ = ["client"]
NEW = "a-brand-new-pass-42"


def test_forced_reset_of_one_account(client: TestClient, container: Container, listener: str) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password="root-pass-1234", role=Role.ADMIN)
        create_user(s, username="other", password=PASSWORD)
    mine, theirs = _everything(client, listener), _everything(client, "other")
    root = {"Authorization": f"Bearer {login(client, 'root', 'root-pass-1234')}"}
    client.cookies.clear()
    assert client.post(f"/api/admin/accounts/{listener}/password-reset", headers=root).status_code == 204
    assert _works(client, mine) == NONE
    assert _works(client, theirs) == ALL

    # the old password still proves who this is, but only to choose a new one
    auth = {"Authorization": f"Bearer {login(client, listener)}"}
    client.cookies.clear()
    me = client.get("/api/me", headers=auth).json()
    assert me["must_reset_password"] is True
    r = client.get("/api/me/devices", headers=auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "password_reset_required"
    assert client.post("/api/me/devices", json={"name": "x"}, headers={**auth, "X-Encore-CSRF": "1"}).status_code == 403
    bad = client.put("/api/me/password", json={"current_password": "nope-nope-1", "new_password": NEW}, headers=auth)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_password"
    same = client.put("/api/me/password", json={"current_password": PASSWORD, "new_password": PASSWORD}, headers=auth)
    assert same.status_code == 400
    short = client.put("/api/me/password", json={"current_password": PASSWORD, "new_password": "short"}, headers=auth)
    assert short.status_code == 400
    ok = client.put("/api/me/password", json={"current_password": PASSWORD, "new_password": NEW}, headers=auth)
    assert ok.status_code == 200 and ok.json()["user"]["must_reset_password"] is False
    fresh = {"Authorization": f"Bearer {ok.json()['token']}"}
    assert client.get("/api/me/devices", headers=fresh).status_code == 200
    assert client.get("/api/me", headers=auth).status_code == 401  # the session used for the change is replaced
    assert client.post("/api/auth/login", json={"username": listener, "password": PASSWORD}).status_code == 401
    login(client, listener, NEW)
    kinds = [e["kind"] for e in client.get("/api/me/security/events", headers=fresh).json()["items"]]
    assert kinds[:5] == ["login", "login.failed", "security.signed_out", "password.changed", "login"]
    assert "security.reset_forced" in kinds


def test_forced_reset_of_everyone_answers_each_face_in_its_shape(
    client: TestClient, container: Container, listener: str
) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password="root-pass-1234", role=Role.ADMIN)
    root = {"Authorization": f"Bearer {login(client, 'root', 'root-pass-1234')}"}
    client.cookies.clear()
    # flag everyone without signing out, so each face's own refusal is what answers
    from encore.accounts import force_password_reset

    mine = _everything(client, listener)
    with transaction(container.sessions) as s:
        force_password_reset(s, user_id=None)
    assert _works(client, mine) == {**NONE, "session": True}  # /api/me still answers: the player shows the form
    sub = client.get("/rest/ping", params={"apiKey": mine.api_key, "f": "json"}).json()["subsonic-response"]
    assert sub["error"]["code"] == 40 and "password reset" in sub["error"]["message"]
    v1 = client.get("/v1/me", headers={"Authorization": f"Bearer {mine.bearer}"})
    assert v1.status_code == 401 and "reset" in v1.json()["error"]["message"]
    player = client.get("/api/me/devices", headers={"Authorization": f"Bearer {mine.session}"})
    assert player.status_code == 403 and player.json()["error"]["code"] == "password_reset_required"
    assert client.get("/api/me", headers=root).json()["must_reset_password"] is True
    assert client.post("/api/admin/password-reset-everyone", headers=root).status_code == 403  # the admin too

    body = {"current_password": "root-pass-1234", "new_password": NEW}
    root = {"Authorization": f"Bearer {client.put('/api/me/password', json=body, headers=root).json()['token']}"}
    assert client.post("/api/admin/password-reset-everyone", headers=root).status_code == 204
    assert client.get("/api/me", headers=root).status_code == 401
