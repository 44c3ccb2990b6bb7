"""An export made before the listener forgot plays is deleted with them (review24 F6: the zip holding the
forgotten plays stayed downloadable for a day, until the reaper dropped finished jobs' files)."""

import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import ListenIn, submit_listens
from encore.jobs import Job, drain
from encore.kernel import NotFound
from encore.portability import export_file, submit_export, submit_forget

NOW = datetime.now(UTC)


def _exported(c: Container, name: str, artist: str) -> tuple[int, str]:
    with transaction(c.sessions) as s:
        uid = create_user(s, username=name, password="listener-pass-1").id
        listen = ListenIn(listened_at=NOW - timedelta(days=2), artist_name=artist, track_name="Song")
        submit_listens(s, user_id=uid, now=NOW, source="import", listens=[listen])
        job = submit_export(s, jobs=c.jobs, user_id=uid).id
    drain(c.jobs)
    return uid, job


@pytest.mark.parametrize("everything", [True, False], ids=["everything", "a range"])
def test_forgetting_deletes_the_earlier_export_and_says_so(container: Container, everything: bool) -> None:
    me, mine = _exported(container, "forgetful", "Embarrassing")
    other, theirs = _exported(container, "someone", "Kept")
    since, until = (None, None) if everything else (NOW - timedelta(days=3), NOW - timedelta(days=1))
    with transaction(container.sessions) as s:
        forget = submit_forget(
            s, jobs=container.jobs, user_id=me, since=since, until=until, everything=everything, now=NOW
        ).id
    drain(container.jobs)
    with container.sessions() as s:
        done = s.scalar(select(Job).where(Job.public_id == forget))
        export_job = s.scalar(select(Job).where(Job.public_id == mine))
        assert done is not None and export_job is not None
        with pytest.raises(NotFound):  # the zip holding the forgotten play is gone
            export_file(s, jobs=container.jobs, user_id=me, job_id=mine)
        assert json.loads(done.result or "{}") == {"deleted": 1, "exports_deleted": 1}  # and the answer says so
        assert export_job.message is not None and "export again" in export_job.message
        path, _ = export_file(s, jobs=container.jobs, user_id=other, job_id=theirs)  # nobody else's
    assert [p["artist_name"] for p in json.loads(zipfile.ZipFile(path).read("plays.json"))] == ["Kept"]
