"""A display name that reads as another account's neutral name is refused beside the field, by sign-up and by
Settings, and nothing refused is kept (the rule itself: tests/accounts/test_names28.py). On SQLite and PostgreSQL."""

from fastapi.testclient import TestClient

from encore.accounts import check_display_name


def test_settings_and_sign_up_say_why_beside_the_field(client: TestClient) -> None:
    said = check_display_name("Listener Ab12").reason
    r = client.post(
        "/api/auth/signup",
        json={"username": "imitator28", "password": "correct horse battery 9", "display_name": "Listener Ab12"},
        headers={"X-Forwarded-For": "198.51.100.28"},
    )
    assert r.status_code == 422 and r.json()["error"]["fields"]["display_name"] == said, r.text
    r = client.post(
        "/api/auth/signup",
        json={"username": "imitator28", "password": "correct horse battery 9"},
        headers={"X-Forwarded-For": "198.51.100.28"},
    )
    auth = {"authorization": f"Bearer {r.json()['token']}"}
    r = client.patch("/api/me", json={"display_name": "listener  AB12"}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["fields"]["display_name"] == said
    me = client.get("/api/me", headers=auth).json()
    assert me["chosen_display_name"] is None and me["display_name"] == f"Listener {me['id'][:4]}"
