"""Run queued jobs in the test's own thread (huey's real queue, drained), and import through the API."""

from typing import Any

from fastapi.testclient import TestClient

from encore.bootstrap import Container
from encore.jobs import drain

CSRF = {"X-Encore-CSRF": "1"}


def run_jobs(container: Container) -> int:
    return drain(container.jobs)


def import_through_job(
    client: TestClient, container: Container, body: bytes, filename: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """POST the file (202 and a job), run the job, then answer as the old synchronous route did:
    {"status": 200, **report} when it finished, {"status": 400, "error": ...} when it failed."""
    r = client.post(f"/api/me/history/import?filename={filename}", content=body, headers={**CSRF, **(headers or {})})
    if r.status_code != 202:
        return {"status": r.status_code, **r.json()}
    job = r.json()
    run_jobs(container)
    done = client.get(f"/api/me/jobs/{job['id']}", headers=headers or {}).json()
    if done["state"] == "failed":
        return {"status": 400, "error": done["error"], "job": done}
    return {"status": 200, **done["result"], "job": done}
