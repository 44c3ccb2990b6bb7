"""Import listening history (Spotify, ListenBrainz, Encore's own export) and export everything Encore holds
about a listener."""

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as Path_
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from encore import portability
from encore.audit import kinds
from encore.db import transaction
from encore.ingest import display_name
from encore.kernel import ValidationFailed
from encore.web._attachment import attachment
from encore.web._audit import note
from encore.web._deps import CurrentUser, Db, container
from encore.web._job_routes import job_json
from encore.web._multipart_file import MultipartFile, is_multipart
from encore.web._upload_gate import UploadUser, receiving

router = APIRouter(prefix="/api/me", tags=["portability"])
FILENAME_HELP = (
    "The file's name, for a body sent bare: a name ending in .jsonl is read as JSON lines, and errors name it"
)


def import_slot(request: Request, user: UploadUser) -> None:
    """409 with the open job before a byte of the body is read: one import at a time per listener. In a
    transaction of its own, like the caller's check, so no connection waits on the body (`_upload_gate`)."""
    with transaction(container(request).sessions) as session:
        try:
            portability.check_import_slot(session, jobs=container(request).jobs, user_id=user.id)
        except portability.ImportOpen as exc:
            raise _open(exc) from None


def _open(exc: portability.ImportOpen) -> HTTPException:
    job = {"id": exc.job.id, "state": exc.job.state}  # GET /api/me/jobs/{id} follows it
    return HTTPException(409, detail={"code": exc.code, "message": exc.message, "job": job})


@dataclass(frozen=True)
class Uploaded:
    path: Path
    name: str | None  # the file's own name, when a multipart form gave one


async def uploaded_file(
    request: Request, user: UploadUser, _slot: Annotated[None, Depends(import_slot)]
) -> AsyncIterator[Uploaded]:
    """The file in a server-named temp file: the raw request body, or a multipart form's file (`curl -F`).
    Refused once the body passes the size limit, or when writing it would leave the data dir's filesystem short
    of room (507: Insufficient Storage). Removed when the request ends, or when the body is refused (too large,
    stalled: `_body_limit`)."""
    limit = portability.MAX_UPLOAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise ValidationFailed(f"file too large: at most {limit >> 20} MiB", code="file_too_large")
    store = container(request).store
    held = ExitStack()  # the store's hold (`MediaStore.writing`): an ingest run's sweep empties `.tmp/`, where the
    await run_in_threadpool(held.enter_context, store.writing())  # file waits for its job (a hold waits for a sweep)
    path = store.new_temp_path(".upload")
    size_at_most = int(declared) if declared.isascii() and declared.isdigit() else limit
    if reason := portability.room_for_upload(free_bytes=shutil.disk_usage(path.parent).free, size=size_at_most):
        held.close()
        raise HTTPException(507, detail={"code": "no_room", "message": reason})
    content_type = request.headers.get("content-type", "")
    try:
        size = 0
        async with receiving(request, user) as body:
            with path.open("wb") as out:
                form = MultipartFile(content_type, out) if is_multipart(content_type) else None
                async for chunk in body.stream():
                    size += len(chunk)
                    if size > limit:
                        raise ValidationFailed(f"file too large: at most {limit >> 20} MiB", code="file_too_large")
                    if form is None:
                        out.write(chunk)
                    else:
                        form.feed(chunk)
        yield Uploaded(path, form.finish() if form is not None else None)
    finally:
        path.unlink(missing_ok=True)
        held.close()


_FILE = {"type": "string", "format": "binary"}
_IMPORT_BODY = {
    "required": True,
    "description": "The history file's bytes (a JSON array, JSON lines or a zip), or a multipart form with it",
    "content": {
        "application/octet-stream": {"schema": _FILE},
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": _FILE}, "required": ["file"]}},
    },
}


@router.post("/history/import", status_code=202, openapi_extra={"requestBody": _IMPORT_BODY})
def import_history(
    request: Request,
    user: UploadUser,
    upload: Annotated[Uploaded, Depends(uploaded_file)],
    session: Db,
    filename: Annotated[str | None, Query(max_length=200, description=FILENAME_HELP)] = None,
) -> dict[str, object]:
    """The file as the request body (its name in `filename`), or as a multipart form's file field (its own name
    wins over `filename`; either is cut to its last path part, control characters dropped). Queues the
    import and answers at once; GET /api/me/jobs/{id} tells how far it got. One import at a time per
    listener: another while one is queued or running is 409 with that job, and its file is not kept."""
    jobs = container(request).jobs
    # errors name what the listener sent, never a name they did not (probe22 F9: "upload.json"); the form's own
    # name wins, and a query's name is cleaned by the same rule, since the operator's terminal shows it (probe23 F1)
    name = upload.name or (display_name(filename) if filename else None) or portability.UNNAMED_UPLOAD
    try:
        view = portability.submit_import(session, jobs=jobs, user_id=user.id, upload=upload.path, filename=name)
    except portability.ImportOpen as exc:
        raise _open(exc) from None
    return job_json(view)


@router.post("/exports", status_code=202)
def start_export(request: Request, session: Db, user: CurrentUser) -> dict[str, object]:
    """Queues the zip of everything Encore holds about the caller; download it when the job is done."""
    note(request, session, kinds.EXPORT_REQUESTED, actor=user, what="account data (job)")
    return job_json(portability.submit_export(session, jobs=container(request).jobs, user_id=user.id))


@router.get("/exports/{job_id}.zip")
def download_export(
    job_id: Annotated[str, Path_(max_length=22)], request: Request, session: Db, user: CurrentUser
) -> FileResponse:
    path, made = portability.export_file(session, jobs=container(request).jobs, user_id=user.id, job_id=job_id)
    name = f"encore-{user.username}-{made:%Y%m%d}.zip"
    note(request, session, kinds.EXPORT_DOWNLOADED, actor=user, what="account data", job=job_id)
    return FileResponse(path, media_type="application/zip", filename=name)


@router.get("/export")
def export(request: Request, session: Db, user: CurrentUser) -> StreamingResponse:
    """The same zip made in the request (scripts and small accounts); the player uses the export job.
    Only ever the caller's own data: there is no user parameter to guess."""
    c = container(request)
    with c.store.writing():  # no sweep empties `.tmp/` while the zip is written there
        path = c.store.new_temp_path(".zip")
        with path.open("wb") as out:
            portability.export_account(session, user_id=user.id, out=out, now=c.clock.now())
        zipped = path.open("rb")
        path.unlink()  # sent from the open file: a sweep after this has no name to take, a crash leaves nothing
    note(request, session, kinds.EXPORT_DOWNLOADED, actor=user, what="account data")
    name = f"encore-{user.username}.zip"
    return StreamingResponse(
        _chunks(zipped),
        media_type="application/zip",
        headers={
            "Content-Disposition": attachment(name, ascii_fallback=name),
            "Content-Length": str(os.fstat(zipped.fileno()).st_size),
        },
        background=BackgroundTask(zipped.close),
    )


def _chunks(file: BinaryIO) -> Iterator[bytes]:
    while block := file.read(1 << 16):
        yield block
