"""An account that is stopped: disabled by the operator, or being deleted (its erasing asked for, by its owner or
the operator). Either way `is_active` is false; what tells them apart is the erase job (`portability` runs it)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.jobs import Job

ERASE_JOB = "accounts.erase"  # the job kind that erases an account; its row is the mark of a deletion asked for


def erase_requested(session: Session, *, user_id: int) -> bool:
    """Whether this account's deletion was asked for (its erasing queued, running, or failed and to be run again)."""
    return session.scalar(select(Job.id).where(Job.kind == ERASE_JOB, Job.user_id == user_id).limit(1)) is not None
