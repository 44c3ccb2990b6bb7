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
    # progress). The renewals stop after the commit: on SQLite one waits for the training's write lock, and
    # stopping them before the commit would wait on it from inside. A lease lost meanwhile raises Superseded
    # after the commit: the tables are the same as the newer attempt's (built from the same plays), and the job's
    # row is left to that attempt.
    with ctx.keep_lease(), transaction(ctx.sessions) as session:
        stats = train(session, now=ctx.clock.now())
    ctx.progress(1, 1, "Trained", force=True)
    return stats.as_dict()


HANDLERS = {TRAIN: run_training, MIXES: run_mixes}
