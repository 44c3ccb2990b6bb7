"""Background jobs: imports, exports, Wrapped builds, catalogue-wide rebuilds, ingest of uploads.

A capability offers a handler `(JobContext) -> dict` and bootstrap registers it under a kind; faces
submit jobs by kind and read their progress. See `_engine.py` for why huey and how a dead worker's job
is taken back.
"""

from encore.jobs._consume import InProcessWorkers, consumer, drain, make_huey
from encore.jobs._context import JobContext, Superseded
from encore.jobs._engine import Handler, JobEngine, JobView
from encore.jobs._models import Job

__all__ = [
    "Handler",
    "InProcessWorkers",
    "Job",
    "JobContext",
    "JobEngine",
    "JobView",
    "Superseded",
    "consumer",
    "drain",
    "make_huey",
]
