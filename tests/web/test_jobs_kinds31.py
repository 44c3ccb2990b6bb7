"""A page asks the listener's jobs of its own kinds, and the server filters before it takes the newest twenty (review31c
L2): the history page filtered in the browser, so twenty newer jobs of any other kind pushed its last export, and the
download link the page offers for it, out of the list."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import User
from encore.bootstrap import Container
from encore.db import transaction
from encore.jobs import Job
from tests.web.conftest import login

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
HISTORY_KINDS = {"kind": ["history.import", "account.export", "history.forget"]}


def _job(user_id: int, kind: str, n: int) -> Job:
    at = T0 + timedelta(minutes=n)
    return Job(
        public_id=f"job31x{n:04d}", kind=kind, key=f"k{n}", user_id=user_id, state="done", attempts=1, done=1,
        payload="{}", created_at=at, updated_at=at,
    )  # fmt: skip


def test_the_history_kinds_stay_listed_behind_twenty_newer_jobs_of_other_kinds(
    client: TestClient, container: Container, listener: str
) -> None:
    with transaction(container.sessions) as s:
        uid = s.scalars(select(User.id).where(User.username == listener)).one()
        s.add(_job(uid, "account.export", 0))
        s.add_all(_job(uid, "some.other_kind", n) for n in range(1, 22))
    auth = {"Authorization": f"Bearer {login(client, listener)}"}
    everything = client.get("/api/me/jobs", headers=auth).json()["items"]
    assert len(everything) == 20 and "job31x0000" not in {j["id"] for j in everything}  # the newest twenty, any kind
    mine = client.get("/api/me/jobs", params=HISTORY_KINDS, headers=auth)
    assert mine.status_code == 200, mine.text
    assert [j["id"] for j in mine.json()["items"]] == ["job31x0000"]
    one = client.get("/api/me/jobs", params={"kind": "some.other_kind"}, headers=auth).json()["items"]
    assert len(one) == 20 and {j["kind"] for j in one} == {"some.other_kind"}  # one kind, as before
    too_many = client.get("/api/me/jobs", params={"kind": [f"k{n}" for n in range(9)]}, headers=auth)
    assert too_many.status_code == 422, too_many.text
