"""HEAD where a monitor, a balancer or a link unfurler asks with it (probe18 F2): health checks, pages and share
links answer as their GET does, without a body; JSON routes keep their 405 and say what they allow; an unknown
path answers HEAD with the 404 its GET gets."""

import socket
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from tests.support.live import serve
from tests.web.spotify.flows import CSRF

PAGES = (
    "/healthz",
    "/readyz",
    "/",
    "/library",
    "/album/abc",
    "/admin/security",
    "/manifest.webmanifest",
    "/sw.js",
    "/offline",
    "/share/track/nope",  # a missing item: the share page's own 404, as for GET
    "/wrapped/s/nope",
    "/wrapped/s/a/b/c",
    "/static/app.js",  # a mount before the catch-alls: still its own HEAD
    "/docs",  # the developers' reference (probe18b N4: was 405)
    "/authorize",  # the OAuth consent page and the developers' apps page (probe23 F6: were 405)
    "/developer",
    "/nope",  # an unknown path: GET's 404, not a 405 inviting the GET (probe18b N3)
    "/nope/deeper",
    "/api/no-such-route",
    "/v1/no/such/route",
)


@pytest.mark.parametrize("path", PAGES)
def test_head_answers_as_get_does(client: TestClient, path: str) -> None:
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code != 405
    assert head.headers["content-type"] == got.headers["content-type"]


@pytest.mark.parametrize("path", ["/api/search?q=a", "/api/browse/labels", "/api/me/recent"])
def test_json_routes_keep_their_405_with_allow(client: TestClient, path: str) -> None:
    """Not swallowed by the player's deep links: only the player's own sections take HEAD there."""
    r = client.head(path)
    assert r.status_code == 405 and r.headers["allow"] == "GET"


def test_an_unknown_path_heads_as_a_browser_gets_it(client: TestClient) -> None:
    """A browser's HEAD of a mistyped link gets the player's "Not found" page status and type, as its GET."""
    html = {"accept": "text/html"}
    got, head = client.get("/nope", headers=html), client.head("/nope", headers=html)
    assert head.status_code == got.status_code == 404
    assert head.headers["content-type"] == got.headers["content-type"] == "text/html; charset=utf-8"


def test_a_route_taking_only_post_says_so_to_head(client: TestClient) -> None:
    r = client.head("/api/auth/login")
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def _raw_head(base_url: str, path: str) -> bytes:
    """The whole answer to a HEAD on a fresh connection that the server closes: what a monitor reads."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_health_checks_answer_head_without_a_body_under_uvicorn(container: Container) -> None:
    with serve(container) as live:
        for path in ("/healthz", "/readyz", "/"):
            raw = _raw_head(live.base_url, path)
            head, _, body = raw.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 "), head
            assert body == b""


UNKNOWN = (
    "/nope",
    "/nope/deeper",
    "/api/no-such-route",
    "/api/playlists/x/y/z",
    "/1/submit-listens/",
    "/foo/bar",
    "/static/nope.js",  # under a mount, ahead of the catch-alls (probe23 F6: 405)
    "/static/swagger-ui/nope.js",
)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", UNKNOWN)
def test_an_unknown_path_answers_every_method_as_get_does(client: TestClient, path: str, method: str) -> None:
    """review22 F4: the GET catch-all made POST, PUT, PATCH and DELETE of any unknown path a 405 with
    `allow: GET`, telling a client that mistyped a write route that only its method was wrong."""
    got, other = client.get(path), client.request(method, path, headers=CSRF)
    assert other.status_code == got.status_code == 404, (method, path, other.text)
    assert other.headers["content-type"] == got.headers["content-type"] and "allow" not in other.headers
    assert other.json() == got.json()


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/browse/labels", "GET"),
        ("POST", "/api/search?q=a", "GET"),
        ("PUT", "/api/auth/login", "POST"),
        ("POST", "/library", "GET, HEAD"),  # a player page: its deep link takes GET (and HEAD)
        ("DELETE", "/static/app.js", "GET, HEAD"),  # a real file
    ],
)
def test_a_real_paths_wrong_method_keeps_its_405(client: TestClient, method: str, path: str, allow: str) -> None:
    r = client.request(method, path, headers=CSRF)
    assert r.status_code == 405 and r.headers["allow"] == allow, r.text


def test_a_player_sections_unknown_page_answers_a_write_as_its_get(client: TestClient) -> None:
    html = {"accept": "text/html", **CSRF}
    got, other = client.get("/album/a/b/c/d", headers=html), client.post("/album/a/b/c/d", headers=html)
    assert got.status_code == other.status_code == 404
    assert other.headers["content-type"] == got.headers["content-type"] == "text/html; charset=utf-8"
