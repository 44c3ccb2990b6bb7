"""A listener's background jobs (imports, exports): state and progress, for the player to show."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from encore.jobs import JobView
from encore.web._deps import CurrentUser, Db, container

router = APIRouter(prefix="/api/me/jobs", tags=["jobs"])


def job_json(view: JobView) -> dict[str, object]:
    failed = view.state == "failed"
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
    }


@router.get("")
def my_jobs(
    request: Request, session: Db, user: CurrentUser, kind: Annotated[str | None, Query(max_length=40)] = None
) -> dict[str, object]:
    views = container(request).jobs.recent(session, user_id=user.id, kinds=(kind,) if kind else ())
    return {"items": [job_json(v) for v in views]}


@router.get("/{job_id}")
def my_job(
    job_id: Annotated[str, Path(max_length=22)], request: Request, session: Db, user: CurrentUser
) -> dict[str, object]:
    return job_json(container(request).jobs.get(session, public_id=job_id, user_id=user.id))
