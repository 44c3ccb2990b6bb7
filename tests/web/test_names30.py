"""Session 29's note, through the faces on SQLite and PostgreSQL (`client` runs on both): sign-up and Settings took
"Listener \u0410b12" (a Cyrillic "\u0410") as a chosen name, which every face then showed beside the unnamed account
"Listener Ab12", and Settings took "\u0430lice" (a Cyrillic "\u0430") for the login "alice". A name written in
another script is still the listener's own, shown as typed on the player's API, /v1 and the admin's table."""

from typing import Any

from fastapi.testclient import TestClient

from encore.accounts import Role, create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.web import create_app
from tests.web.conftest import login
from tests.web.spotify.flows import client_token, register_app

STRONG = "correct horse battery 9"
NEUTRAL = "A display name cannot look like the name Encore shows for an account without one"


def _signup(client: TestClient, username: str, ip: str, **extra: Any) -> Any:
    body = {"username": username, "password": STRONG, **extra}
    return client.post("/api/auth/signup", json=body, headers={"X-Forwarded-For": ip})


def test_look_alike_letters_make_no_neutral_name_nor_your_login(client: TestClient) -> None:
    signed = _signup(client, "alice30", "198.51.100.40")
    assert signed.status_code == 201, signed.text
    auth = {"Authorization": f"Bearer {signed.json()['token']}"}
    for n, name in enumerate(["Listener \u0410b12", "Listener A\u039212", "Listener \u13aab1\uff12"]):
        at_signup = _signup(client, "other30", f"198.51.100.{50 + n}", display_name=name)
        assert at_signup.status_code == 422, (ascii(name), at_signup.text)  # was 201
        assert at_signup.json()["error"]["fields"]["display_name"].startswith(NEUTRAL)
        in_settings = client.patch("/api/me", json={"display_name": name}, headers=auth)
        assert in_settings.status_code == 422, (ascii(name), in_settings.text)  # was 200
        assert in_settings.json()["error"]["fields"]["display_name"].startswith(NEUTRAL)
    own = client.patch("/api/me", json={"display_name": "\u0430lice30"}, headers=auth)
    assert own.status_code == 422 and "your username" in own.json()["error"]["message"], own.text  # was 200
    assert client.get("/api/me", headers=auth).json()["chosen_display_name"] is None  # nothing refused was kept

    at_signup = _signup(client, "bobby30", "198.51.100.60", display_name="b\u043ebby30")  # a Cyrillic "\u043e"
    assert at_signup.status_code == 422 and "your username" in at_signup.json()["error"]["message"], at_signup.text


OWN_NAMES = ["\u041c\u0430\u0440\u0438\u044f", "\u03a8\u03c5\u03c7\u03ae", "\u0531\u0580\u0561\u0574",
             "\u5c71\u7530\u592a\u90ce", "\U0001f3b5\U0001f3b6 \u041c\u0430\u0440\u0438\u044f"]  # fmt: skip


def test_a_name_in_any_script_is_kept_and_shown_as_typed_on_every_face(
    client: TestClient, container: Container
) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password="root-pass-1234", role=Role.ADMIN)
    root = {"Authorization": f"Bearer {login(client, 'root', 'root-pass-1234')}"}
    with TestClient(create_app(container), base_url="http://localhost") as local:  # OAuth wants TLS or localhost
        login(local, "root", "root-pass-1234")
        v1 = {"Authorization": f"Bearer {client_token(local, register_app(local, name='names'))}"}
    client.cookies.clear()
    for n, name in enumerate(OWN_NAMES):
        signed = _signup(client, f"own{n}", f"198.51.100.{70 + n}", display_name=name)
        assert signed.status_code == 201, (ascii(name), signed.text)
        user, auth = signed.json()["user"], {"Authorization": f"Bearer {signed.json()['token']}"}
        assert user["display_name"] == user["chosen_display_name"] == name
        renamed = client.patch("/api/me", json={"display_name": f"{name} 2"}, headers=auth)
        assert renamed.status_code == 200 and renamed.json()["display_name"] == f"{name} 2", renamed.text
        assert client.get(f"/api/users/{user['id']}", headers=root).json()["name"] == f"{name} 2"
        profile = client.get(f"/v1/users/{user['id']}", headers=v1)
        assert profile.status_code == 200 and profile.json()["display_name"] == f"{name} 2", profile.text
        listed = client.get("/api/admin/users", params={"q": f"own{n}"}, headers=root).json()["items"]
        assert [u["display_name"] for u in listed] == [f"{name} 2"]
