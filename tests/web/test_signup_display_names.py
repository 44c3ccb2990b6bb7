"""Sign-up refuses a display name with nothing to see and strips padding (probe18 F6); the rule is
accounts.check_display_name (tests/accounts/test_display_names.py)."""

import pytest
from fastapi.testclient import TestClient

INVISIBLE = ["   ", "\u200b\u200b", "\u202e" * 10, "\u3164", "\u00a0\u2800", "\u0301"]


@pytest.mark.parametrize("name", INVISIBLE)
def test_sign_up_refuses_an_invisible_display_name(client: TestClient, name: str) -> None:
    r = client.post("/api/auth/signup", json={"username": "newbie", "password": "long enough", "display_name": name})
    assert r.status_code == 422, r.text
    said = "A display name needs at least one visible character."
    assert r.json()["error"] == {"code": "invalid", "message": said, "fields": {"display_name": said}}


def test_sign_up_strips_padding_and_allows_a_copy(client: TestClient) -> None:
    for username in ("first", "second"):
        body = {"username": username, "password": "long enough", "display_name": "  Demo Listener \u3000"}
        r = client.post("/api/auth/signup", json=body, headers={"X-Forwarded-For": f"198.51.100.{len(username)}"})
        assert r.status_code == 201, r.text
        assert r.json()["user"]["display_name"] == "Demo Listener"


def test_sign_up_refuses_a_display_name_that_would_read_reversed(client: TestClient) -> None:
    """probe24b F6: the name was kept as sent, and every listener read "nimda"."""
    body = {"username": "eve", "password": "long enough", "display_name": "\u202eadmin\u202c"}
    r = client.post("/api/auth/signup", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid"
    assert "U+202A-U+202E, U+2066-U+2069" in r.json()["error"]["fields"]["display_name"]
