"""Who the client is, under uvicorn as `encore serve` runs it (the TestClient has no uvicorn in front).

uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise and rewrites the client address before
Encore sees it: a guesser on the host (or behind a proxy the operator never listed) was a new client on every
log-in, past the throttle. Only ENCORE_TRUSTED_PROXIES' headers are read."""

from collections.abc import Iterator

import httpx
import pytest

from encore.bootstrap import Container, build
from encore.cli._serve import proxy_options
from encore.config import Settings
from tests.support.live import serve


def _guesses(base_url: str, forwarded: bool) -> tuple[list[int], list[str]]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        assert http.post("/api/auth/signup", json={"username": "target", "password": "right-pass-1"}).status_code == 201
        codes = [
            http.post(
                "/api/auth/login",
                json={"username": "target", "password": "bad-pass"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"} if forwarded else {},
            ).status_code
            for i in range(6)
        ]
        http.cookies.clear()
        ip = http.post(
            "/api/auth/login",
            json={"username": "target", "password": "right-pass-1"},
            headers={"X-Forwarded-For": "198.51.100.9"},
        )
        seen: list[str] = []
        if ip.status_code == 200:
            events = http.get("/api/me/security/events").json()["items"]
            seen = [e["client_ip"] for e in events if e["kind"] == "login"]
    return codes, seen


def test_without_a_listed_proxy_a_forwarded_for_header_names_no_one(container: Container) -> None:
    assert container.settings.trusted_proxies == []
    with serve(container) as live:
        codes, _ = _guesses(live.base_url, forwarded=True)
    assert codes == [401] * 5 + [429]  # one client, however the header rotates


@pytest.fixture
def behind_proxy(settings: Settings) -> Iterator[Container]:
    c = build(settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]}))
    yield c
    c.close()


def test_a_listed_proxy_names_the_client(behind_proxy: Container) -> None:
    with serve(behind_proxy) as live:
        codes, seen = _guesses(live.base_url, forwarded=True)
    assert codes == [401] * 6  # six clients, as the proxy says: none of them guessed five times
    assert seen and set(seen) == {"198.51.100.9"}  # the audit log names the client the proxy named


def test_proxy_options_take_the_listed_networks_only() -> None:
    assert proxy_options([]) == {"proxy_headers": False, "forwarded_allow_ips": []}
    assert proxy_options(["127.0.0.1", "10.1.2.3/8"]) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["127.0.0.1/32", "10.0.0.0/8"],
    }
