"""A job is queued when the transaction that wrote its row commits, and not when a savepoint inside that
transaction is released (a savepoint's release is no commit: the row is not yet visible to a worker)."""

from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.jobs import Job, JobContext, drain


def _kind(container: Container, ran: list[str]) -> None:
    def seen(ctx: JobContext) -> dict[str, bool]:
        ran.append(ctx.job_id)
        return {"ok": True}

    container.jobs.register("test.seen", seen)


def test_a_released_savepoint_does_not_queue_the_job_before_its_commit(container: Container) -> None:
    """jobs._on_commit hooks the queueing to the session's "after_commit", which SQLAlchemy also fires when a
    savepoint (`begin_nested`) is released, with `in_nested_transaction()` still true (review24m F5: this said the
    opposite): the hook waits for the outermost commit, so savepoints begun and released after the submit (services
    do this, and the submit itself inserts in one) queue nothing; the commit queues the job once."""
    ran: list[str] = []
    _kind(container, ran)
    huey = container.jobs.huey
    with container.sessions() as s, s.begin():
        job = container.jobs.submit(s, kind="test.seen", key="after-savepoints")
        with s.begin_nested():
            create_user(s, username="saved", password="listener-pass-1")
        with s.begin_nested():  # a second one, released too
            create_user(s, username="also-saved", password="listener-pass-1")
        assert huey.pending_count() == 0  # nothing queued for a row no other connection can see yet
        nested = s.begin_nested()
        nested.rollback()  # a savepoint rolled back: nothing either
        assert huey.pending_count() == 0
    assert huey.pending_count() == 1  # the commit: queued once
    assert drain(container.jobs) == 1 and ran == [job.id]
    with container.sessions() as s:
        assert s.scalar(select(Job.state).where(Job.public_id == job.id)) == "done"


def test_a_rolled_back_submit_queues_nothing_when_its_session_commits_later(container: Container) -> None:
    """The session a submit was rolled back in, used again: its next commit must not queue the job that never was
    (nor one that took the rolled-back row's id)."""
    ran: list[str] = []
    _kind(container, ran)
    with container.sessions() as s:
        with s.begin():
            container.jobs.submit(s, kind="test.seen", key="rolled-back")
            s.rollback()
        with s.begin():
            create_user(s, username="later", password="listener-pass-1")
    assert container.jobs.huey.pending_count() == 0 and drain(container.jobs) == 0 and ran == []
