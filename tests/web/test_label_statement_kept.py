"""Label dashboards share one computation of the open month (review19 F3: each GET recomputed every label's
month; five loads were five computations, and any unclosed past month was computed on demand too)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from encore.labels import Statement, _statements
from tests.web.test_label_api import _h, world

__all__ = ["world"]  # the fixture: two labels' catalogue and streams in November 2026, the clock in December


def test_dashboards_share_one_computation_and_say_as_of_when(
    client: TestClient, container: Container, world: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    months: list[str] = []
    real = _statements.compute_month

    def counting(*args: Any, **kwargs: Any) -> Statement:
        months.append(kwargs["month"])
        return real(*args, **kwargs)

    monkeypatch.setattr(_statements, "compute_month", counting)
    ours, theirs, root = _h(client, "ours"), _h(client, "theirs"), _h(client, "root")
    mine, others = f"/api/label/{world['label_id']}", f"/api/label/{world['theirs_label_id']}"
    answers = [client.get(f"{mine}/statements/2026-11", headers=ours) for _ in range(5)]
    answers.append(client.get(f"{others}/statements/2026-11", headers=theirs))
    answers.append(client.get(f"{others}/statements/2026-11/csv", headers=theirs))
    answers.append(client.get("/api/admin/statements/2026-11", headers=root))
    assert [r.status_code for r in answers] == [200] * 8
    assert months == ["2026-11"]
    as_of = container.clock.now().isoformat().replace("+00:00", "Z")
    assert {r.json()["as_of"] for r in answers if "json" in r.headers["content-type"]} == {as_of}
    for month in ("2000-02", "2000-02", "2026-12", "2026-12"):
        assert client.get(f"{mine}/statements/{month}", headers=ours).status_code == 200
    assert months == ["2026-11", "2000-02", "2026-12"]
    closed = client.post("/api/admin/statements/2026-11/close", headers=root).json()
    assert closed["status"] == "closed" and closed["as_of"] is None
    again = client.get(f"{mine}/statements/2026-11", headers=ours).json()
    assert again["status"] == "closed" and again["as_of"] is None


def test_a_month_being_computed_with_nothing_kept_is_503_retry(
    client: TestClient, container: Container, world: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from encore.labels import _kept

    monkeypatch.setattr(_kept, "WAIT_S", 0.0)
    lease = container.state.acquire("lease:labels:statement:2026-11:EUR:70", limit=1, lease_s=60)
    assert lease is not None
    ours = _h(client, "ours")
    busy = client.get(f"/api/label/{world['label_id']}/statements/2026-11", headers=ours)
    assert busy.status_code == 503 and busy.headers["retry-after"] and busy.json()["error"]["code"] == "busy"
    container.state.release(lease)
    assert client.get(f"/api/label/{world['label_id']}/statements/2026-11", headers=ours).status_code == 200
