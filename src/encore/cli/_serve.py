"""`encore serve`: how many worker processes, and running them.

Several workers need the shared state in Redis: in memory, each process would keep its own ad clocks,
open plays, rate windows and transcode slots, and a listener's requests landing on different workers
would each see a different clock. So the plan refuses more than one worker without `ENCORE_REDIS_URL`.
"""

import os
from dataclasses import dataclass

HEALTHCHECK_S = 30


@dataclass(frozen=True)
class WorkerPlan:
    count: int
    reason: str  # one_process | requested | one_per_core | needs_redis


def plan_workers(*, requested: int | None, shared_state: bool, cores: int) -> WorkerPlan:
    """Pure: the worker count `encore serve` runs, and why (count 0 means refuse, `needs_redis`)."""
    if requested is not None:
        if requested > 1 and not shared_state:
            return WorkerPlan(0, "needs_redis")
        return WorkerPlan(requested, "requested")
    if not shared_state:
        return WorkerPlan(1, "one_process")
    return WorkerPlan(max(1, cores), "one_per_core")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_server(*, host: str, port: int, workers: int, app: object) -> None:
    """One worker serves the already-built app in this process; several run `encore.web:serve_app` in
    uvicorn's supervised worker processes (a worker that dies is replaced; see docs/deploy.md)."""
    import uvicorn

    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)  # type: ignore[arg-type]
        return
    uvicorn.run(
        "encore.web:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        # uvicorn replaces a worker that does not answer its health ping in time; 5 s (its default) killed
        # workers still starting on a busy 2-core machine, over and over.
        timeout_worker_healthcheck=HEALTHCHECK_S,
    )
