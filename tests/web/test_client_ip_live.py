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
from encore.web._deps import SESSION_COOKIE
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


@pytest.fixture
def believing_no_one(settings: Settings) -> Iterator[Container]:
    c = build(settings.model_copy(update={"trusted_proxies": []}))
    yield c
    c.close()


def test_with_no_proxy_listed_a_forwarded_for_header_names_no_one(believing_no_one: Container) -> None:
    with serve(believing_no_one) as live:
        codes, seen = _guesses(live.base_url, forwarded=True)
    assert codes == [401] * 5 + [429]  # one client, however the header rotates
    assert seen == []  # and the right password from "another" client is throttled with it


def test_loopback_is_the_proxy_believed_by_default(container: Container) -> None:
    """A TLS proxy on the same machine works as is (uvicorn's and gunicorn's default too): its X-Forwarded-For
    names the client, to the throttle and the audit log alike."""
    assert container.settings.trusted_proxies == ["127.0.0.1", "::1"]
    with serve(container) as live:
        codes, seen = _guesses(live.base_url, forwarded=True)
    assert codes == [401] * 6  # six clients, as the proxy says: none of them guessed five times
    assert seen and set(seen) == {"198.51.100.9"}


@pytest.fixture
def behind_tls(settings: Settings) -> Iterator[Container]:
    update = {"trusted_proxies": [], "public_base_url": "https://music.example.org"}
    c = build(settings.model_copy(update=update))
    yield c
    c.close()


def test_behind_a_proxy_that_is_not_listed_the_player_still_works_on_its_public_origin(behind_tls: Container) -> None:
    """X-Forwarded-Proto is not read from an unlisted proxy, so the request looks like http: the player's own
    origin (ENCORE_PUBLIC_BASE_URL) is still accepted for its writes, the cookie is still Secure, and any
    other origin is still refused."""
    with serve(behind_tls) as live, httpx.Client(base_url=live.base_url, timeout=30) as http:
        body = {"username": "behind", "password": "right-pass-1"}
        made = http.post("/api/auth/signup", json=body, headers={"X-Forwarded-Proto": "https"})
        assert made.status_code == 201 and "secure" in made.headers["set-cookie"].lower()
        # httpx keeps a Secure cookie off plain http, as a browser would: the proxy's https hop sends it
        cookie = f"{SESSION_COOKIE}={made.json()['token']}"
        write = {"X-Encore-CSRF": "1", "X-Forwarded-Proto": "https", "Cookie": cookie}
        made_here = {**write, "Origin": "https://music.example.org"}
        ours = http.post("/api/playlists", json={"name": "Ours"}, headers=made_here)
        theirs = http.post(
            "/api/playlists", json={"name": "Theirs"}, headers={**write, "Origin": "https://evil.example"}
        )
    assert ours.status_code == 201, ours.text
    assert theirs.status_code == 403 and theirs.json()["error"]["code"] == "cross_site"


def test_proxy_options_take_the_listed_networks_only() -> None:
    assert proxy_options([]) == {"proxy_headers": False, "forwarded_allow_ips": []}
    assert proxy_options(["127.0.0.1", "10.1.2.3/8"]) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["127.0.0.1/32", "10.0.0.0/8"],
    }
