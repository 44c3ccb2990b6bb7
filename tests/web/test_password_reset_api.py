"""Forced password reset: at the next request every face refuses the account in its own shape until a new
password is chosen; the player may read /api/me (to show the form) and change the password, nothing else."""

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from encore.accounts import Role, User, create_user
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
    forced = client.post(f"/api/admin/accounts/{listener}/password-reset", headers=root)
    assert forced.status_code == 200 and [c["username"] for c in forced.json()["codes"]] == [listener]
    code = forced.json()["codes"][0]["code"]
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
    body = {"current_password": PASSWORD, "new_password": NEW, "reset_code": code}
    ok = client.put("/api/me/password", json=body, headers=auth)
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
        codes = {c.username: c.code for c in force_password_reset(s, user_id=None, now=container.clock.now())}
    assert set(codes) == {"root", listener}
    assert _works(client, mine) == {**NONE, "session": True}  # /api/me still answers: the player shows the form
    sub = client.get("/rest/ping", params={"apiKey": mine.api_key, "f": "json"}).json()["subsonic-response"]
    assert sub["error"]["code"] == 40 and "password reset" in sub["error"]["message"]
    v1 = client.get("/v1/me", headers={"Authorization": f"Bearer {mine.bearer}"})
    assert v1.status_code == 401 and "reset" in v1.json()["error"]["message"]
    player = client.get("/api/me/devices", headers={"Authorization": f"Bearer {mine.session}"})
    assert player.status_code == 403 and player.json()["error"]["code"] == "password_reset_required"
    assert client.get("/api/me", headers=root).json()["must_reset_password"] is True
    assert client.post("/api/admin/password-reset-everyone", headers=root).status_code == 403  # the admin too

    body = {"current_password": "root-pass-1234", "new_password": NEW, "reset_code": codes["root"]}
    root = {"Authorization": f"Bearer {client.put('/api/me/password', json=body, headers=root).json()['token']}"}
    everyone = client.post("/api/admin/password-reset-everyone", headers=root)
    assert everyone.status_code == 200 and {c["username"] for c in everyone.json()["codes"]} == {"root", listener}
    assert client.get("/api/me", headers=root).status_code == 401


def _forced(client: TestClient, container: Container, listener: str) -> tuple[str, dict[str, str]]:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password="root-pass-1234", role=Role.ADMIN)
        create_user(s, username="other", password=PASSWORD)
    root = {"Authorization": f"Bearer {login(client, 'root', 'root-pass-1234')}"}
    client.cookies.clear()
    code = client.post(f"/api/admin/accounts/{listener}/password-reset", headers=root).json()["codes"][0]["code"]
    return code, root


def test_the_leaked_password_alone_cannot_complete_a_forced_reset(
    client: TestClient, container: Container, listener: str
) -> None:
    """probe19 F3: the attacker who holds the leaked password logged in and chose the new one (200), locking the
    owner out. Now the one-time code the operator hands the owner is needed as well."""
    code, root = _forced(client, container, listener)
    attacker = {"Authorization": f"Bearer {login(client, listener)}"}  # the password still proves who this is
    client.cookies.clear()
    evil = "attacker-chose-this-1"
    other_code = client.post("/api/admin/accounts/other/password-reset", headers=root).json()["codes"][0]["code"]
    for guess in (None, "", "0000-0000-0000-0000-0000", other_code, code + "X"):
        body = {"current_password": PASSWORD, "new_password": evil, "reset_code": guess}
        r = client.put("/api/me/password", json=body, headers=attacker)
        assert r.status_code == 400, guess
        assert r.json()["error"]["code"] in ("reset_code_required", "bad_reset_code"), guess
    assert client.get("/api/me", headers=attacker).json()["must_reset_password"] is True
    assert client.post("/api/auth/login", json={"username": listener, "password": evil}).status_code == 401

    owner = {"Authorization": f"Bearer {login(client, listener)}"}
    client.cookies.clear()
    typed = code.lower().replace("-", " ")  # read case-insensitively, dashes and spaces aside
    body = {"current_password": PASSWORD, "new_password": NEW, "reset_code": typed}
    assert client.put("/api/me/password", json=body, headers=owner).status_code == 200
    assert client.get("/api/me", headers=attacker).status_code == 401  # the attacker's session is gone
    login(client, listener, NEW)


def test_a_reset_code_works_once_and_expires(client: TestClient, container: Container, listener: str) -> None:
    from datetime import timedelta

    from encore.accounts import RESET_CODE_TTL, force_password_reset, get_user_by_name

    code, root = _forced(client, container, listener)
    with transaction(container.sessions) as s:  # the same code, forced again a week ago: now expired
        user = get_user_by_name(s, username=listener)
        assert user is not None
        old = force_password_reset(s, user_id=user.id, now=container.clock.now() - RESET_CODE_TTL - timedelta(1))
    auth = {"Authorization": f"Bearer {login(client, listener)}"}
    client.cookies.clear()
    body = {"current_password": PASSWORD, "new_password": NEW, "reset_code": code}
    r = client.put("/api/me/password", json=body, headers=auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_reset_code"  # replaced by the newer one
    r = client.put("/api/me/password", json={**body, "reset_code": old[0].code}, headers=auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "reset_code_expired"

    fresh = client.post(f"/api/admin/accounts/{listener}/password-reset", headers=root).json()["codes"][0]["code"]
    auth = {"Authorization": f"Bearer {login(client, listener)}"}
    client.cookies.clear()
    ok = client.put("/api/me/password", json={**body, "reset_code": fresh}, headers=auth)
    assert ok.status_code == 200
    with transaction(container.sessions) as s:  # forced again, the spent code does not complete the new reset
        user = get_user_by_name(s, username=listener)
        assert user is not None
        force_password_reset(s, user_id=user.id, now=container.clock.now())
    auth = {"Authorization": f"Bearer {login(client, listener, NEW)}"}
    client.cookies.clear()
    again = {"current_password": NEW, "new_password": "yet-another-pass-9", "reset_code": fresh}
    r = client.put("/api/me/password", json=again, headers=auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_reset_code"


def test_a_normal_password_change_needs_no_code(client: TestClient, container: Container, listener: str) -> None:
    auth = {"Authorization": f"Bearer {login(client, listener)}"}
    client.cookies.clear()
    # a refusal names the field it is about, for the form to say it there (review28b F3); its code is kept
    wrong = client.put(
        "/api/me/password", json={"current_password": "not-it-at-all", "new_password": NEW}, headers=auth
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "bad_password"
    assert list(wrong.json()["error"]["fields"]) == ["current_password"]
    weak = client.put("/api/me/password", json={"current_password": PASSWORD, "new_password": "password"}, headers=auth)
    assert weak.status_code == 400 and list(weak.json()["error"]["fields"]) == ["new_password"]
    body = {"current_password": PASSWORD, "new_password": NEW}
    assert client.put("/api/me/password", json=body, headers=auth).status_code == 200


def test_reset_everyone_gives_a_disabled_account_its_code_too(client: TestClient, container: Container) -> None:
    """review19b F4: a disabled account was flagged but given no code; enabled later, it could sign in and never
    finish its reset."""
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        create_user(s, username="bob", password=PASSWORD)
    with container.sessions() as s:
        bob = s.scalar(select(User.public_id).where(User.username == "bob"))
    root = {"Authorization": f"Bearer {login(client, 'root')}"}
    assert client.patch(f"/api/admin/users/{bob}", json={"active": False}, headers=root).status_code == 200
    codes = {
        c["username"]: c["code"]
        for c in client.post("/api/admin/password-reset-everyone", headers=root).json()["codes"]
    }
    assert set(codes) == {"root", "bob"}
    with transaction(container.sessions) as s:  # the operator lets bob back in (from the command line)
        s.execute(update(User).where(User.username == "bob").values(is_active=True))
    hb = {"Authorization": f"Bearer {login(client, 'bob')}"}
    body = {"current_password": PASSWORD, "new_password": PASSWORD + "y2", "reset_code": codes["bob"]}
    assert client.put("/api/me/password", json=body, headers=hb).status_code == 200
