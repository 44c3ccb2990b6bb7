"""A listener's job list says where a finished export's zip is while the server keeps it (review31b M2: the history
page offers it again when opened later), and stops saying so once a forget deleted the zip; other jobs have none."""

from fastapi.testclient import TestClient

from encore.bootstrap import Container
from tests.support.jobs import CSRF, run_jobs
from tests.web.conftest import login


def test_a_finished_exports_download_is_listed_while_its_zip_is_kept(
    client: TestClient, container: Container, listener: str
) -> None:
    login(client, listener)
    queued = client.post("/api/me/exports", headers=CSRF).json()
    assert queued["state"] == "queued" and queued["download"] is None
    run_jobs(container)
    zip_url = f"/api/me/exports/{queued['id']}.zip"
    assert client.get(f"/api/me/jobs/{queued['id']}").json()["download"] == zip_url
    [listed] = client.get("/api/me/jobs").json()["items"]
    assert listed["download"] == zip_url and client.get(zip_url).status_code == 200

    client.delete("/api/me/history?everything=true", headers=CSRF)  # the zip held the plays: it goes
    run_jobs(container)
    jobs = {j["kind"]: j for j in client.get("/api/me/jobs").json()["items"]}
    assert jobs["account.export"]["download"] is None and client.get(zip_url).status_code == 404
    assert jobs["history.forget"]["download"] is None
