"""An account that is stopped: disabled by the operator, or being deleted (its erasing asked for, by its owner or
the operator). Either way `is_active` is false; what tells them apart is the erase job (`portability` runs it)."""

from collections.abc import Collection

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from encore.jobs import Job

ERASE_JOB = "accounts.erase"  # the job kind that erases an account; its row is the mark of a deletion asked for
# How an erase job ends when it finds the account active (enabled again, or a row made by hand): it erased
# nothing, and marks no deletion asked for (review20b F1: it made the account impossible to enable once disabled
# again, and `resume_erasures` erased it an hour after that disable).
NOT_ASKED = "not_requested"


def asked_erase_job() -> ColumnElement[bool]:
    """The erase jobs that mark a deletion asked for: all but those that ended finding the account active."""
    return (Job.kind == ERASE_JOB) & or_(Job.error_code.is_(None), Job.error_code != NOT_ASKED)


def erase_requested(session: Session, *, user_id: int) -> bool:
    """Whether this account's deletion was asked for (its erasing queued, running, or failed and to be run again)."""
    return bool(erase_requested_among(session, user_ids=(user_id,)))


def erase_requested_among(session: Session, *, user_ids: Collection[int]) -> set[int]:
    """Those of these accounts whose deletion was asked for, in one statement (a page of the admin's list: 50)."""
    if not user_ids:
        return set()
    asked = select(Job.user_id).where(asked_erase_job(), Job.user_id.in_(set(user_ids))).distinct()
    return {user_id for user_id in session.scalars(asked) if user_id is not None}
