"""Dates pydantic accepts but a datetime cannot shift (year 1 at +01:00, year 9999 at -02:00, a day a month
after year 1) are refused at the edge in the player's error shape, never an OverflowError and a 500."""

import httpx
import pytest
from fastapi.testclient import TestClient

from encore.accounts import Role, create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.web.conftest import PASSWORD, login
from tests.web.test_label_api import _h, world

__all__ = ["world"]  # the label world fixture, used below

CSRF = {"X-Encore-CSRF": "1"}
FAR = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00", "1969-12-31T23:59:59Z"]


def _refused(r: httpx.Response) -> None:
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("at", FAR)
def test_history_and_audit_refuse_far_instants(client: TestClient, container: Container, at: str) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
    login(client, "root")
    for name in ("since", "until"):
        _refused(client.get("/api/me/history", params={name: at}))
        _refused(client.delete("/api/me/history", params={name: at}, headers=CSRF))
        _refused(client.get("/api/admin/audit", params={name: at}))
        _refused(client.get("/api/admin/audit/export", params={name: at}))
    assert client.get("/api/me/history", params={"since": "1970-01-01T00:00:00Z"}).status_code == 200
    assert client.get("/api/admin/audit", params={"until": "9999-12-31T00:00:00Z"}).status_code == 200


@pytest.mark.parametrize("query", ["until=0001-01-05", "since=0001-01-01&until=0001-01-02", "since=9999-12-30"])
def test_label_streams_refuse_far_days(client: TestClient, world: dict[str, str], query: str) -> None:
    base = f"/api/label/{world['label_id']}"
    ours = _h(client, "ours")
    _refused(client.get(f"{base}/streams?{query}", headers=ours))
    body = {"availability": "prerelease", "available_from": "0001-01-01T00:00:00+01:00"}
    _refused(client.put(f"{base}/albums/{world['album_id']}/availability", json=body, headers=ours))
