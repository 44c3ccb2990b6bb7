"""Import listening history (Spotify, ListenBrainz) and export everything Encore holds about a listener."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from encore import portability
from encore.kernel import ValidationFailed
from encore.web._deps import CurrentUser, Db, container

router = APIRouter(prefix="/api/me", tags=["portability"])


async def uploaded_file(request: Request) -> AsyncIterator[Path]:
    """The raw request body in a server-named temp file, refused once it passes the size limit."""
    limit = portability.MAX_UPLOAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ValidationFailed(f"file too large: at most {limit >> 20} MiB", code="file_too_large")
    path = container(request).store.new_temp_path(".upload")
    try:
        size = 0
        with path.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed(f"file too large: at most {limit >> 20} MiB", code="file_too_large")
                out.write(chunk)
        yield path
    finally:
        path.unlink(missing_ok=True)


@router.post("/history/import")
def import_history(
    request: Request,
    session: Db,
    user: CurrentUser,
    path: Annotated[Path, Depends(uploaded_file)],
    filename: Annotated[str, Query(max_length=200)] = "upload.json",
) -> dict[str, object]:
    report = portability.import_history(
        session, user_id=user.id, path=path, name=filename, now=container(request).clock.now()
    )
    return {
        "rows": report.rows,
        "imported": report.imported,
        "duplicates": report.duplicates,
        "skipped": report.skipped,
        "first": report.first,
        "last": report.last,
    }


@router.get("/export")
def export(request: Request, session: Db, user: CurrentUser) -> FileResponse:
    """Only ever the caller's own data: there is no user parameter to guess."""
    c = container(request)
    path = c.store.new_temp_path(".zip")
    with path.open("wb") as out:
        portability.export_account(session, user_id=user.id, out=out, now=c.clock.now())
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"encore-{user.username}.zip",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
