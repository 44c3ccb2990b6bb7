"""The player's device routes: create (secrets once), list, revoke; Subsonic follows."""

from fastapi.testclient import TestClient

from tests.web.conftest import login


def test_device_routes_for_the_player(client: TestClient, listener: str) -> None:
    assert client.get("/api/me/devices").status_code == 401
    token = login(client, listener)
    client.cookies.clear()
    auth = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/me/devices", json={"name": "Symfonium"}, headers=auth)
    assert r.status_code == 201
    made = r.json()
    assert set(made) == {"id", "name", "api_key", "app_password"}
    listed = client.get("/api/me/devices", headers=auth).json()["items"]
    assert [(d["id"], d["name"], d["last_used_at"]) for d in listed] == [(made["id"], "Symfonium", None)]
    assert set(listed[0]) == {"id", "name", "created_at", "last_used_at"}  # the secrets are never shown again
    ping = client.get("/rest/ping", params={"apiKey": made["api_key"], "f": "json"}).json()
    assert ping["subsonic-response"]["status"] == "ok"
    assert client.post("/api/me/devices", json={"name": ""}, headers=auth).status_code == 422
    assert client.delete("/api/me/devices/" + "A" * 22, headers=auth).status_code == 404
    assert client.delete(f"/api/me/devices/{made['id']}", headers=auth).status_code == 204
    assert client.get("/api/me/devices", headers=auth).json() == {"items": []}
    ping = client.get("/rest/ping", params={"apiKey": made["api_key"], "f": "json"}).json()
    assert ping["subsonic-response"]["error"]["code"] == 44


def test_what_to_type_into_an_app_and_its_qr_code(client: TestClient, listener: str) -> None:
    assert client.get("/api/me/devices/connect").status_code == 401
    assert client.get("/api/me/devices/connect/qr.svg").status_code == 401
    login(client, listener)
    connect = client.get("/api/me/devices/connect").json()
    assert connect == {"server_url": "http://testserver", "username": "listener"}
    qr = client.get("/api/me/devices/connect/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.text.startswith("<?xml") and "<svg" in qr.text and "<script" not in qr.text
