"""The listener's discovery settings on /api/me/discovery: defaults, opt-out, bad input, signed out."""

from fastapi.testclient import TestClient

from tests.web.conftest import login

CSRF = {"X-Encore-CSRF": "1"}


def test_settings_default_on_and_change_one_at_a_time(client: TestClient, listener: str) -> None:
    assert client.get("/api/me/discovery").status_code == 401
    login(client, listener)
    assert client.get("/api/me/discovery").json() == {"contribute": True, "autoplay": True}
    r = client.patch("/api/me/discovery", json={"contribute": False}, headers=CSRF)
    assert r.status_code == 200 and r.json() == {"contribute": False, "autoplay": True}
    client.patch("/api/me/discovery", json={"autoplay": False}, headers=CSRF)
    assert client.get("/api/me/discovery").json() == {"contribute": False, "autoplay": False}


def test_unknown_fields_and_non_booleans_are_refused(client: TestClient, listener: str) -> None:
    login(client, listener)
    for body in ({"contribute": "maybe"}, {"role": "admin"}, [1]):
        r = client.patch("/api/me/discovery", json=body, headers=CSRF)
        assert r.status_code == 422 and "error" in r.json(), r.text
    assert client.get("/api/me/discovery").json() == {"contribute": True, "autoplay": True}
