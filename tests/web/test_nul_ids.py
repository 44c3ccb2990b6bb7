"""A NUL byte in an id or a text parameter is a client error in each face's own shape, never a query that
PostgreSQL refuses (text cannot hold NUL) and a 500. Run on SQLite and PostgreSQL."""

import base64

import pytest
from fastapi.testclient import TestClient

from encore import discovery
from encore.bootstrap import Container
from encore.kernel import ValidationFailed
from tests.web.conftest import login
from tests.web.test_radio import _world

CSRF = {"X-Encore-CSRF": "1"}
CURSOR = base64.urlsafe_b64encode(b"1700000000000000.\x00").decode().rstrip("=")


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", f"/api/me/history?cursor={CURSOR}", None, 400),
        ("DELETE", "/api/me/history/plays/%00", None, 404),
        ("GET", "/api/me/locks?ids=%00", None, 200),
        ("GET", "/api/me/locks?ids=A1,%00x", None, 200),
        # every JSON body refuses NUL in its text (web._schemas.Strict), ids included
        ("POST", "/api/radio/next", {"after": ["\x00"]}, 422),
        ("POST", "/api/radio/next", {"after": ["{A1}"], "exclude": ["\x00", "{B1}"]}, 422),
    ],
)
def test_nul_in_ids_is_a_client_answer(
    client: TestClient, container: Container, listener: str, method: str, path: str, body: object, status: int
) -> None:
    w = _world(container, listener)
    login(client, listener)
    if isinstance(body, dict):
        body = {k: [v.format(**w.tracks) for v in vs] for k, vs in body.items()}
    r = client.request(method, path, json=body, headers=CSRF)
    assert r.status_code == status, r.text
    if status >= 400:
        assert set(r.json()["error"]) >= {"code", "message"}
    if path.startswith("/api/me/locks"):
        assert r.json() == {}


def test_nul_genre_seed_is_a_bad_seed(container: Container, listener: str) -> None:
    _world(container, listener)
    with container.sessions() as s, pytest.raises(ValidationFailed) as refused:
        discovery.recommend(s, user_id=None, tracks=[], artists=[], genres=["\x00"], limit=5, now=container.clock.now())
    assert refused.value.code == "bad_seeds"
