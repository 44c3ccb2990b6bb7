"""review26a M1: a web sign-up (no display name) stored the login name as the display name, and nothing let a
listener change it, so another listener, an anonymous share page and /api's owners read login names. Now an
account without a chosen name is shown by `accounts.public_name`'s neutral one, and the listener chooses the
name others see in Settings (PATCH /api/me). On SQLite and PostgreSQL (`client` runs on both)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user, public_name
from encore.bootstrap import Container
from encore.db import transaction

PW = "correct horse battery 9"


def _signup(client: TestClient, username: str, ip: str, **extra: Any) -> dict[str, Any]:
    body = {"username": username, "password": PW, **extra}
    r = client.post("/api/auth/signup", json=body, headers={"X-Forwarded-For": ip})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {session['token']}"}


def test_a_web_sign_up_is_shown_to_others_by_a_neutral_name_never_its_login(client: TestClient) -> None:
    victim = _signup(client, "victim_login", "198.51.100.1")  # what the web player's form sends
    me = victim["user"]
    assert me["username"] == "victim_login"  # its own view keeps its login
    assert me["display_name"] == f"Listener {me['id'][:4]}" and me["chosen_display_name"] is None
    made = client.post("/api/playlists", json={"name": "My road trip", "public": True}, headers=_bearer(victim))
    assert made.status_code == 201, made.text
    playlist = made.json()["id"]
    other = _bearer(_signup(client, "someone", "198.51.100.2"))
    seen = [
        client.get(f"/api/playlists/{playlist}", headers=other).text,
        client.get(f"/api/users/{me['id']}", headers=other).text,
        client.get("/api/search/playlists", params={"q": "road"}, headers=other).text,
        client.get(f"/share/playlist/{playlist}").text,  # anonymous
    ]
    for text in seen:
        assert "victim" not in text.casefold(), text[:300]
        assert f"Listener {me['id'][:4]}" in text
    assert client.get(f"/api/playlists/{playlist}", headers=other).json()["owner"]["name"] == me["display_name"]


def test_a_listener_chooses_the_name_others_see_and_each_bad_one_is_told_beside_the_field(
    client: TestClient,
) -> None:
    victim = _signup(client, "victim_login", "198.51.100.3")
    auth = _bearer(victim)
    playlist = client.post("/api/playlists", json={"name": "Mine", "public": True}, headers=auth).json()["id"]
    bad = {
        "": "A display name needs at least one visible character.",
        " \u200b ": "A display name needs at least one visible character.",
        "tab\there": "A display name cannot hold control characters (a line break or a tab among them).",
        "d" * 101: "A display name can be at most 100 characters.",
        "Victim_Login": "A display name cannot be your username: others would see the name you sign in with.",
    }
    for name, said in bad.items():
        r = client.patch("/api/me", json={"display_name": name}, headers=auth)
        assert r.status_code == 422, (name, r.text)  # sign-up's shape for the same name (fixname27)
        assert r.json()["error"] == {"code": "invalid", "message": said, "fields": {"display_name": said}}
    r = client.patch("/api/me", json={"display_name": "\u202eadmin"}, headers=auth)
    assert r.status_code == 422 and "U+202A-U+202E" in r.json()["error"]["fields"]["display_name"]
    r = client.patch("/api/me", json={"username": "x"}, headers=auth)  # not something this request sets
    assert r.status_code == 422 and "username" in r.json()["error"]["fields"]
    assert client.get("/api/me", headers=auth).json()["chosen_display_name"] is None  # nothing refused was kept

    r = client.patch("/api/me", json={"display_name": "  Jos\u0065\u0301 on the road "}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["display_name"] == r.json()["chosen_display_name"] == "Jos\u00e9 on the road"
    assert client.patch("/api/me", json={}, headers=auth).json()["chosen_display_name"] == "Jos\u00e9 on the road"
    other = _bearer(_signup(client, "someone", "198.51.100.4"))
    assert client.get(f"/api/playlists/{playlist}", headers=other).json()["owner"]["name"] == "Jos\u00e9 on the road"
    assert "Jos\u00e9 on the road" in client.get(f"/share/playlist/{playlist}").text

    cleared = client.patch("/api/me", json={"display_name": None}, headers=auth).json()
    assert cleared["chosen_display_name"] is None and cleared["display_name"].startswith("Listener ")
    events = client.get("/api/me/security/events", headers=auth).json()["items"]
    changes = [e["details"] for e in events if e["kind"] == "profile.display_name_changed"]
    assert changes == [{"old": "Jos\u00e9 on the road", "new": None}, {"old": None, "new": "Jos\u00e9 on the road"}]


def test_a_display_name_is_not_changed_during_a_forced_reset(client: TestClient, container: Container) -> None:
    auth = _bearer(_signup(client, "resetme", "198.51.100.5"))
    with transaction(container.sessions) as s:
        from encore.accounts import force_password_reset, get_user_by_name

        user = get_user_by_name(s, username="resetme")
        assert user is not None
        force_password_reset(s, user_id=user.id, now=container.clock.now())
    r = client.patch("/api/me", json={"display_name": "New name"}, headers=auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "password_reset_required"
    assert client.get("/api/me", headers=auth).json()["chosen_display_name"] is None


def test_an_account_made_without_a_name_stores_none_and_a_chosen_one_is_kept(container: Container) -> None:
    with transaction(container.sessions) as s:
        plain = create_user(s, username="plain", password=PW)  # `encore user create`
        echo = create_user(s, username="echo", password=PW, display_name="ECHO")  # its login, any case
        named = create_user(s, username="named", password=PW, display_name="Named Person")
        assert (plain.display_name, echo.display_name, named.display_name) == ("", "", "Named Person")


@pytest.mark.parametrize(
    ("display_name", "shown"),
    [("", "Listener AbCd"), ("bob", "Listener AbCd"), ("BoB", "Listener AbCd"), ("Bobby", "Bobby")],
)
def test_public_name(display_name: str, shown: str) -> None:
    assert public_name(display_name=display_name, username="bob", public_id="AbCdEfGh") == shown


def test_a_sign_up_naming_itself_by_its_login_is_told_so_beside_the_field(client: TestClient) -> None:
    """review26c M1: sign-up took a display name equal to its username (any case) with a 201 and showed others
    "Listener xxxx", the typed name dropped without a word; Settings refused the same name. Now sign-up says what
    Settings says, beside the field, and makes no account."""
    body = {"username": "night_owl", "password": PW, "display_name": "Night_Owl"}
    r = client.post("/api/auth/signup", json=body, headers={"X-Forwarded-For": "198.51.100.9"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"] == {
        "display_name": "A display name cannot be your username: others would see the name you sign in with."
    }
    made = _signup(client, "night_owl", "198.51.100.9", display_name="Night Owl")  # the name was free all along
    assert made["user"]["display_name"] == "Night Owl"
