"""The player's device routes: create (secrets once), list, revoke; Subsonic follows."""

from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.web import create_app
from tests.web.conftest import PASSWORD, login


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


def test_the_server_address_is_the_request_s_own_when_no_public_url_is_configured(
    client: TestClient, listener: str
) -> None:
    """Without ENCORE_PUBLIC_BASE_URL the server knows no address but the one it was reached at (a fresh
    install on a home network): the phone is told that one, the connection's own, never what a Host header
    says (probe22: a client or a proxy may send any)."""
    auth = {"Authorization": f"Bearer {login(client, listener)}"}
    assert client.get("/api/me/devices/connect", headers=auth).json()["server_url"] == "http://testserver"
    lan = client.get("http://192.168.1.20:8000/api/me/devices/connect", headers=auth).json()
    assert lan["server_url"] == "http://192.168.1.20:8000"
    told = client.get("/api/me/devices/connect", headers={**auth, "Host": "evil.example:8000"}).json()
    assert told["server_url"] == "http://testserver"


def test_a_configured_public_url_is_the_server_address_whatever_the_host_header(
    settings: Settings, listener: str
) -> None:
    """F7 (probe15): behind a proxy that passes any Host, `Host: evil.example` put https://evil.example in the
    QR code a phone pairs with. With ENCORE_PUBLIC_BASE_URL set, the address is always that one."""
    c = build(settings.model_copy(update={"public_base_url": "https://music.example.org/"}))
    try:
        with transaction(c.sessions) as s:
            create_user(s, username="paired", password=PASSWORD)
        with TestClient(create_app(c), base_url="http://testserver") as client:
            auth = {"Authorization": f"Bearer {login(client, 'paired')}"}  # the cookie is Secure: https only
            for host in ("testserver", "evil.example"):
                r = client.get("/api/me/devices/connect", headers={**auth, "Host": host, "X-Forwarded-Proto": "https"})
                assert r.json()["server_url"] == "https://music.example.org", r.text
            evil = client.get("/api/me/devices/connect/qr.svg", headers={**auth, "Host": "evil.example"})
            own = client.get("/api/me/devices/connect/qr.svg", headers={**auth, "Host": "testserver"})
            assert evil.status_code == 200 and evil.text == own.text  # the same address whatever the Host
    finally:
        c.close()
