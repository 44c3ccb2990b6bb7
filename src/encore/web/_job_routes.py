"""A listener's background jobs (imports, exports): state and progress, for the player to show."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from encore import portability
from encore.jobs import JobEngine, JobView
from encore.web._deps import CurrentUser, Db, container

router = APIRouter(prefix="/api/me/jobs", tags=["jobs"])


def job_json(view: JobView, *, jobs: JobEngine | None = None) -> dict[str, object]:
    """A job as the player reads it; with the engine, a finished export's `download` address while its zip is
    there (a page opened later offers it again, review31b M2). Without it (a job just submitted), none."""
    failed = view.state == "failed"
    ready = jobs is not None and portability.export_ready(jobs=jobs, view=view)
    return {
        "id": view.id,
        "kind": view.kind,
        "state": view.state,
        "done": view.done,
        "total": view.total,
        "message": None if failed else view.message,
        "result": view.result,
        "error": {"code": view.error_code, "message": view.message} if failed else None,
        "created_at": view.created_at,
        "finished_at": view.finished_at,
        "download": f"/api/me/exports/{view.id}.zip" if ready else None,
    }


@router.get("")
def my_jobs(
    request: Request,
    session: Db,
    user: CurrentUser,
    kind: Annotated[
        list[str] | None, Query(max_length=8, description="Only these kinds (repeat it for several)")
    ] = None,
) -> dict[str, object]:
    jobs = container(request).jobs
    # the kinds asked for are filtered here, before the newest 20 are taken: a page asking for its own kinds keeps
    # them however many jobs of other kinds are newer (review31c L2)
    views = jobs.recent(session, user_id=user.id, kinds=tuple(k[:40] for k in kind or ()))
    return {"items": [job_json(v, jobs=jobs) for v in views]}


@router.get("/{job_id}")
def my_job(
    job_id: Annotated[str, Path(max_length=22)], request: Request, session: Db, user: CurrentUser
) -> dict[str, object]:
    jobs = container(request).jobs
    return job_json(jobs.get(session, public_id=job_id, user_id=user.id), jobs=jobs)
