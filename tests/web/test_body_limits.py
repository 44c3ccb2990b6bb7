"""Hole 3 (#15): bodies are bounded per route class before parsing, and uploads are read only after login.

The request bodies here are generators that count what the server pulled, so "refused without
reading it" is measured, not assumed (httpx's ASGI transport hands the app one chunk per receive).
"""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from encore.accounts import Role
from encore.bootstrap import Container
from encore.web import create_app
from encore.web._body_limit import AUTH_LIMIT, FORM_HEAD, JSON_LIMIT, MULTIPART_SLACK, Pace, body_rule
from tests.web.conftest import login
from tests.web.test_upload_api import CSRF, _user

CHUNK = 64 * 1024
MB = 1024 * 1024


@dataclass
class Pulled:
    bytes: int = 0


def _body(total: int, pulled: Pulled, head: bytes = b"") -> AsyncIterator[bytes]:
    async def gen() -> AsyncIterator[bytes]:
        sent = 0
        if head:
            pulled.bytes += len(head)
            sent += len(head)
            yield head
        while sent < total:
            part = b" " * min(CHUNK, total - sent)
            pulled.bytes += len(part)
            sent += len(part)
            yield part

    return gen()


def _post(
    container: Container, path: str, body: AsyncIterator[bytes], headers: dict[str, str], cookies: dict[str, str]
) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(container))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", cookies=cookies) as client:
            return await client.post(path, content=body, headers=headers)

    return asyncio.run(run())


def test_200_mb_json_to_login_is_refused_without_reading_it(container: Container) -> None:
    pulled = Pulled()
    r = _post(container, "/api/auth/login", _body(200 * MB, pulled, b'{"username": "a", "password": "'), {}, {})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    assert pulled.bytes <= AUTH_LIMIT + CHUNK


def test_a_declared_length_over_the_limit_is_refused_before_any_byte(container: Container) -> None:
    pulled = Pulled()
    headers = {"content-length": str(200 * MB), "content-type": "application/json"}
    r = _post(container, "/api/auth/login", _body(200 * MB, pulled), headers, {})
    assert r.status_code == 413 and pulled.bytes <= CHUNK  # at most what the transport pre-fetches


@pytest.mark.parametrize(
    "path", ["/api/uploads", "/api/label/xyz/uploads", "/api/admin/ad-spots", "/api/me/history/import"]
)
def test_100_mb_upload_without_login_is_401_before_spooling(container: Container, path: str) -> None:
    pulled = Pulled()
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.flac"\r\n\r\n'
    headers = {"content-type": "multipart/form-data; boundary=b", **CSRF}
    r = _post(container, path, _body(100 * MB, pulled, head), headers, {})
    assert r.status_code == 401
    assert pulled.bytes <= CHUNK


@pytest.mark.parametrize("path", ["/api/uploads", "/api/label/xyz/uploads", "/api/admin/ad-spots"])
def test_a_listener_is_refused_before_the_upload_is_read(container: Container, path: str) -> None:
    _user(container, "lis", Role.LISTENER)
    with TestClient(create_app(container)) as client:
        token = login(client, "lis", "password-123")
    pulled = Pulled()
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.flac"\r\n\r\n'
    headers = {"content-type": "multipart/form-data; boundary=b", "authorization": f"Bearer {token}"}
    r = _post(container, path, _body(100 * MB, pulled, head), headers, {})
    assert r.status_code in (403, 404), r.text
    assert pulled.bytes <= CHUNK


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/api/playlists", lambda b: b["error"]["code"] == "body_too_large"),
        ("/v1/me/playlists", lambda b: b["error"]["status"] == 413),
        ("/api/token", lambda b: b["error"] == "invalid_request"),
        ("/rest/createPlaylist?f=json", lambda b: b["subsonic-response"]["status"] == "failed"),
    ],
)
def test_a_chunked_body_is_cut_off_in_each_face_shape(container: Container, path: str, shape: object) -> None:
    pulled = Pulled()
    kind = "application/x-www-form-urlencoded" if path.startswith(("/rest/", "/api/token")) else "application/json"
    r = _post(container, path, _body(50 * MB, pulled), {"content-type": kind, **CSRF}, {})
    assert r.status_code == 413, r.text
    assert callable(shape) and shape(json.loads(r.content))
    limit = body_rule(path.split("?", maxsplit=1)[0], upload_cap=1, import_cap=1, listens_cap=10_240_000).limit
    assert pulled.bytes <= limit + CHUNK


def test_listenbrainz_answers_in_its_own_shape(container: Container) -> None:
    pulled = Pulled()
    headers = {"content-length": str(50 * MB), "authorization": "Token x"}
    r = _post(container, "/1/submit-listens", _body(50 * MB, pulled), headers, {})
    assert r.status_code == 400 and r.json()["code"] == 400
    # probe21a F5: it read "JSON document is request body too large: ...", two messages glued into one
    assert r.json()["error"] == "JSON document is too large. A request may be at most 10 MiB here."
    assert pulled.bytes <= CHUNK


def test_route_classes() -> None:
    caps = {"upload_cap": 100 * MB, "import_cap": 512 * MB, "listens_cap": 10 * MB}
    assert body_rule("/api/auth/login", **caps).limit == AUTH_LIMIT
    assert body_rule("/api/auth/signup", **caps).limit == AUTH_LIMIT
    assert body_rule("/api/token", **caps).limit == AUTH_LIMIT
    assert body_rule("/api/uploads", **caps).limit == 100 * MB + MULTIPART_SLACK
    assert body_rule("/api/admin/ad-spots", **caps).limit == 100 * MB + MULTIPART_SLACK  # a spot is audio too
    assert body_rule("/api/label/abc/uploads", **caps).kind == "upload"
    assert body_rule("/api/me/history/import", **caps).kind == "import"
    assert body_rule("/api/library/playlists", **caps).limit == JSON_LIMIT
    assert body_rule("/api/uploads/../auth/login", **caps).kind != "upload"


@pytest.mark.parametrize("waits", [False, True])
def test_a_subsonic_form_declared_over_the_limit_is_read_for_its_format_only_in_its_head(
    container: Container, waits: bool
) -> None:
    """Its `f` may be in the body (py-sonic): the first FORM_HEAD bytes are read for it, never more; a client
    that waits for `100 Continue` has sent nothing, so nothing is read and the query alone decides (XML here)."""
    pulled = Pulled()
    headers = {"content-length": str(50 * MB), "content-type": "application/x-www-form-urlencoded"}
    r = _post(container, "/rest/ping", _body(50 * MB, pulled, b"f=json&u=x&"), headers | _expect(waits), {})
    assert r.status_code == 413
    if waits:
        assert "xml" in r.headers["content-type"] and pulled.bytes <= CHUNK
    else:
        assert r.json()["subsonic-response"]["error"]["message"] == "request body too large: at most 1 MiB here"
        assert pulled.bytes <= FORM_HEAD + CHUNK


def _expect(waits: bool) -> dict[str, str]:
    return {"expect": "100-continue"} if waits else {}


def test_a_body_may_pause_for_the_idle_timeout_and_must_keep_the_minimum_rate() -> None:
    """mod_reqtimeout's `body=20,MinRate=500`: each 500 bytes buy a second past the first 20, and no silence may
    last longer than 20 s however much came before."""
    pace = Pace(idle_s=20, min_bytes_per_s=500)
    assert pace.wait_s(elapsed_s=0, received=0) == 20
    assert pace.wait_s(elapsed_s=15, received=0) == 5  # nothing yet: 20 s in all
    assert pace.wait_s(elapsed_s=21, received=500) == 0  # 500 bytes bought one second: used up
    assert pace.wait_s(elapsed_s=30, received=1_000_000) == 20  # fast so far: the idle bound alone
    assert pace.wait_s(elapsed_s=100, received=10_000) < 0  # 100 B/s for 100 s: stalled
