"""Training as a background job (`discovery.train`): one run rebuilds every neighbour table."""

from typing import Any

from sqlalchemy.orm import Session

from encore.db import transaction
from encore.discovery._build import train
from encore.discovery._mix_jobs import MIXES, run_mixes
from encore.jobs import JobContext, JobEngine, JobView

TRAIN, TRAINING_KEY = "discovery.train", "all"


def submit_training(session: Session, *, jobs: JobEngine) -> JobView:
    """One training at a time: asking while one is queued or running returns it."""
    return jobs.submit(session, kind=TRAIN, key=TRAINING_KEY)


def run_training(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0, None, "Learning from listening", force=True)
    # readers see the old tables until the new ones commit; the lease is renewed while it learns (it reports no
    # progress), and a lease lost meanwhile rolls the new tables back (keep_lease raises before the commit)
    with transaction(ctx.sessions) as session, ctx.keep_lease():
        stats = train(session, now=ctx.clock.now())
    ctx.progress(1, 1, "Trained", force=True)
    return stats.as_dict()


HANDLERS = {TRAIN: run_training, MIXES: run_mixes}
