"""Shared by the raw /v1 path's equality tests (test_raw_path*.py): the same app served twice, once with the
raw path and once with every /v1 request through FastAPI's routes, and the comparison of their answers."""

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.kernel import FixedClock
from encore.oauth import OAuthApp
from encore.web import create_app
from encore.web._app import EncoreASGI
from tests.support.postgres import PostgresServer
from tests.web.spotify.conftest import PASSWORD, public_container
from tests.web.spotify.flows import App, client_token, login, register_app, user_token

PUBLIC = "http://localhost"
Both = tuple[TestClient, TestClient, Container, FixedClock]


@contextmanager
def both_paths(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Both]:
    """(raw, routed, container, clock) on SQLite or PostgreSQL (`request.param`), logged in as alice."""
    work: Path = tmp_path_factory.mktemp("v1raw")
    server: PostgresServer | None = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    clock = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    with public_container(work, server, clock, PUBLIC) as c:
        app = create_app(c)
        assert app.v1 is not None  # the hot /v1 GETs take the raw path
        routed_app: EncoreASGI = copy.copy(app)
        routed_app.v1 = None  # the same app, every /v1 request through FastAPI's routes
        raw, routed = TestClient(app, base_url=PUBLIC), TestClient(routed_app, base_url=PUBLIC)
        with raw, routed:
            login(raw, "alice", PASSWORD)
            yield raw, routed, c, clock


def same(both: Both, method: str, url: str, headers: dict[str, str]) -> int:
    """Send the request to both paths; they must answer the same status, headers (but Date) and bytes."""
    return same_answer(both, method, url, headers).status_code


def same_answer(both: Both, method: str, url: str, headers: dict[str, str]) -> httpx.Response:
    """As `same`, and the raw path's answer itself (to read its body without asking a third time)."""
    raw, routed, _, _ = both
    a, b = raw.request(method, url, headers=headers), routed.request(method, url, headers=headers)
    assert (a.status_code, _headers(a.headers), a.content) == (b.status_code, _headers(b.headers), b.content), url
    assert a.headers["x-content-type-options"] == "nosniff"  # the security headers, on every answer
    return a


def _headers(headers: object) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.multi_items() if k != "date"]  # type: ignore[attr-defined]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def first_track(both: Both) -> str:
    _, _, c, _ = both
    with c.sessions() as s:
        return s.scalars(select(Track.public_id).order_by(Track.id).limit(1)).one()


def limited_token(both: Both, *, per_window: int) -> dict[str, str]:
    """A client token's header for a new app whose rate window holds `per_window` requests."""
    raw, _, c, _ = both
    app = register_app(raw, name=f"limited to {per_window}")
    with transaction(c.sessions) as s:
        row = s.scalar(select(OAuthApp).where(OAuthApp.client_id == app.client_id))
        assert row is not None
        row.rate_limit = per_window
    return bearer(client_token(raw, app))


def token_variants(both: Both, app: App) -> tuple[list[dict[str, str]], str]:
    """Every way of presenting a token (good ones of each kind, malformed, missing, revoked), and a user token
    the caller may let expire."""
    raw = both[0]
    narrow = user_token(raw, app, scope="user-read-email")["access_token"]  # no scope needed: any token reads
    expiring, revoked = (user_token(raw, app)["access_token"] for _ in range(2))
    assert raw.post("/api/token/revoke", data={"token": revoked, "client_id": app.client_id}).status_code == 200
    variants: list[dict[str, str]] = [
        bearer(client_token(raw, app)),
        bearer(narrow),
        {"Authorization": f"bearer  {expiring}  "},
        {**bearer(expiring), "Host": "made-up.example"},  # hrefs of its own host, never kept
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {expiring}"},
        bearer("not-a-token"),
        bearer(revoked),
    ]
    return variants, expiring


__all__ = [
    "PUBLIC",
    "Both",
    "bearer",
    "both_paths",
    "first_track",
    "limited_token",
    "same",
    "same_answer",
    "token_variants",
]
