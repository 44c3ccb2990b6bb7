"""A kind registered unlisted (an app's resume of a deleted play, review28a L5) is a record the server keeps under a
listener: never among their jobs (`recent`, whatever kind is asked, and `get` by id), still in the operator's views.
`drop` deletes records replaced by a newer one, except one a worker is running, which finishes. SQLite and
PostgreSQL."""

import pytest
from sqlalchemy import select, update

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.jobs import Job, JobContext, drain
from encore.kernel import NotFound


def _done(ctx: JobContext) -> dict[str, bool]:
    return {"ok": True}


def test_an_unlisted_kind_is_the_operators_alone_and_a_running_one_is_not_dropped(container: Container) -> None:
    jobs = container.jobs
    jobs.register("test.shown", _done)
    jobs.register("test.kept", _done, listed=False)
    with transaction(container.sessions) as s:
        uid = create_user(s, username="owner", password="listener-pass-1").id
        shown = jobs.submit(s, kind="test.shown", user_id=uid).id
        kept = [jobs.submit(s, kind="test.kept", user_id=uid).id for _ in range(3)]
    drain(jobs)
    with transaction(container.sessions) as s:
        assert [v.id for v in jobs.recent(s, user_id=uid)] == [shown]
        assert jobs.recent(s, user_id=uid, kinds=("test.kept",)) == []
        assert jobs.get(s, public_id=shown, user_id=uid).state == "done"
        for public_id in kept:
            with pytest.raises(NotFound):
                jobs.get(s, public_id=public_id, user_id=uid)
            assert jobs.inspect(s, public_id=public_id).state == "done"  # the operator's `encore jobs show`
        assert set(kept) <= {v.id for v in jobs.everyones(s)}  # and `encore jobs list`
        s.execute(update(Job).where(Job.public_id == kept[0]).values(state="running"))  # a worker's, this instant
    with transaction(container.sessions) as s:
        assert jobs.drop(s, public_ids=[*kept[:2], "no-such-job"]) == 1
    with container.sessions() as s:
        assert set(s.scalars(select(Job.public_id).where(Job.user_id == uid))) == {shown, kept[0], kept[2]}
