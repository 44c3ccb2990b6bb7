"""Absolute links without ENCORE_PUBLIC_BASE_URL, from a real uvicorn on a port that is not 8000: they name the
address served, whatever Host header a request carries (probe22 F4: share pages said http://127.0.0.1:8000)."""

import re

import httpx
import pytest

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.catalog import factories as f
from tests.support.live import serve

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EVIL = "evil.example:666"


def _meta(html: str, name: str) -> str:
    found = re.search(rf'property="{name}" content="([^"]*)"', html)
    assert found is not None, html
    return found.group(1)


def test_share_pages_and_the_phone_address_name_the_address_served(container: Container) -> None:
    assert container.settings.configured_public_base_url is None
    with transaction(container.sessions) as s:
        create_user(s, username="fan", password="password-123")
        artist = f.artist(s, "Moth Choir")
        album = f.album(s, "Lanterns", artist)
        album.artwork_key = "ab" * 32
        album_id = album.public_id
    with serve(container) as live, httpx.Client(base_url=live.base_url) as http:
        assert not live.base_url.endswith(":8000")
        for host in (None, EVIL):
            headers = {"Host": host} if host else {}
            page = http.get(f"/share/album/{album_id}", headers=headers).text
            assert _meta(page, "og:url") == f"{live.base_url}/album/{album_id}", host
            assert _meta(page, "og:image") == f"{live.base_url}/art/{'ab' * 32}/640.jpg", host
            token = http.post("/api/auth/login", json={"username": "fan", "password": "password-123"}).json()["token"]
            connect = http.get("/api/me/devices/connect", headers={**headers, "Authorization": f"Bearer {token}"})
            assert connect.json()["server_url"] == live.base_url, host
            assert "evil" not in page
