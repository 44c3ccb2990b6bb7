"""Small answers a person meets: every error in Encore's own shape (a 405 was FastAPI's {"detail": ...}), a
future Wrapped said to be not begun yet (not "Encore keeps plays from 2002 on"), and a job's failure message
kept whole enough to read its reason (a 200-character file name left only the name)."""

from fastapi.testclient import TestClient

from encore.jobs._engine import _fit
from tests.web.conftest import login


def test_a_wrong_method_is_an_encore_error_with_allow(client: TestClient, listener: str) -> None:
    r = client.put("/api/me/discovery", json={}, headers={"Authorization": f"Bearer {login(client, listener)}"})
    assert r.status_code == 405 and r.json()["error"]["message"] == "Method Not Allowed", r.text
    assert "GET" in r.headers["allow"]
    missing = client.get("/api/no-such-thing")
    assert missing.status_code == 404 and "error" in missing.json()


def test_a_future_wrapped_is_not_begun(client: TestClient, listener: str) -> None:
    h = {"Authorization": f"Bearer {login(client, listener)}"}
    year = client.get("/api/me/wrapped/2999", headers=h)
    assert year.status_code == 404 and "not begun" in year.json()["error"]["message"]
    old = client.get("/api/me/wrapped/1990s", headers=h)
    assert old.status_code == 404 and "2002" in old.json()["error"]["message"]


def test_a_long_job_message_keeps_its_reason() -> None:
    message = "x" * 200 + ".json entry 1: timestamp refused (timestamp_too_old)"
    fitted = _fit(message, 200)
    assert len(fitted) == 200 and fitted.endswith("(timestamp_too_old)") and fitted.startswith("xxx")
    assert _fit("short", 200) == "short"
