"""review20b F1: an operator deleting a disabled account while another enables it. Enable read "no deletion
asked", the delete committed its erase job, and enable wrote the account active: both answered success, the
job then failed (`not_requested`), and from then on a later disable could never be undone and
`resume_erasures` erased the account an hour after it. One operator's change of an account's state runs at a
time now, and an erase job that found the account active marks no deletion asked."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from encore import accounts, incident
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.jobs import Job
from encore.kernel import Conflict
from encore.portability import resume_erasures
from tests.support.jobs import run_jobs

PASSWORD = "a long password 123"
WAIT_S = 3.0  # how long the enable is given to reach its read while the delete is open (it must not, now)


def _disabled(c: Container) -> int:
    with transaction(c.sessions) as s:
        user_id = create_user(s, username="member", password=PASSWORD).id
        create_user(s, username="other", password=PASSWORD)
    with transaction(c.sessions) as s:
        incident.set_account_active(s, user_id=user_id, active=False, actor_id=None, now=c.clock.now())
    return user_id


def test_an_enable_waits_for_a_delete_under_way_and_is_refused(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = container
    user_id = _disabled(c)
    deleting = c.sessions()
    deleting.begin()
    incident.delete_account(deleting, user_id=user_id, jobs=c.jobs, actor_id=None, now=c.clock.now())
    read = threading.Event()
    real = accounts.erase_requested

    def seen(session: object, *, user_id: int) -> bool:
        read.set()  # the enable decides from here
        return real(session, user_id=user_id)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts, "erase_requested", seen)
    outcome: list[object] = []

    def enable() -> None:
        try:
            with transaction(c.sessions) as s:
                outcome.append(
                    incident.set_account_active(
                        s, user_id=user_id, active=True, actor_id=None, now=c.clock.now(), password="keep"
                    )
                )
        except Conflict as exc:
            outcome.append(exc.code)

    other = threading.Thread(target=enable)
    other.start()
    read.wait(WAIT_S)  # the old code read at once, before the delete committed
    deleting.commit()
    deleting.close()
    other.join(60)
    assert outcome == ["erase_requested"]
    with c.sessions() as s:
        user = s.get(accounts.User, user_id)
        assert user is not None and not user.is_active


def test_an_erase_job_that_found_the_account_active_marks_no_deletion(container: Container) -> None:
    """Made as the race used to leave it: the account active with its erasing queued."""
    c = container
    user_id = _disabled(c)
    with transaction(c.sessions) as s:
        incident.delete_account(s, user_id=user_id, jobs=c.jobs, actor_id=None, now=c.clock.now())
    with transaction(c.sessions) as s:
        s.get_one(accounts.User, user_id).is_active = True
    run_jobs(c)
    with c.sessions() as s:
        codes = list(s.scalars(select(Job.error_code).where(Job.user_id == user_id, Job.kind == accounts.ERASE_JOB)))
        assert codes == [accounts.NOT_ASKED] and not accounts.erase_requested(s, user_id=user_id)
    with transaction(c.sessions) as s:  # an ordinary disable, later: it can be undone, and nothing erases it
        incident.set_account_active(s, user_id=user_id, active=False, actor_id=None, now=c.clock.now())
    assert resume_erasures(c.sessions, c.jobs, lambda: c.clock.now() + timedelta(hours=2)) == 0
    with transaction(c.sessions) as s:
        done = incident.set_account_active(
            s, user_id=user_id, active=True, actor_id=None, now=c.clock.now(), password="keep"
        )
        assert done.changed
