"""Matching as a background job (`history.match`): after a release is published, and once a day, listens kept
by text (scrobbles, imports of tracks the catalogue did not have) are linked to the tracks now in it."""

from typing import Any

from sqlalchemy.orm import Session

from encore.history._match import match_listens_settled
from encore.jobs import JobContext, JobEngine, JobView

MATCH, MATCH_KEY = "history.match", "all"


def submit_match(session: Session, *, jobs: JobEngine) -> JobView:
    """Queued when the caller's transaction commits; asking while one is queued or running returns it."""
    return jobs.submit(session, kind=MATCH, key=MATCH_KEY)


def run_match(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0, None, "Linking listens to the catalogue", force=True)
    linked = match_listens_settled(ctx.sessions, between=lambda n: ctx.progress(n, None, f"{n} listens linked"))
    ctx.progress(linked, linked, "Linked", force=True)
    return {"linked": linked}


HANDLERS = {MATCH: run_match}
