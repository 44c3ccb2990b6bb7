"""Imports and exports as background jobs: the request saves the upload and queues; a worker does the rest."""

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from encore.jobs import JobContext, JobEngine, JobView
from encore.kernel import NotFound, ValidationFailed
from encore.portability._export import export_account
from encore.portability._forget import FORGET, run_forget
from encore.portability._import import ImportReport, import_history

IMPORT, EXPORT = "history.import", "account.export"
UPLOAD, ZIP = "upload", "export.zip"
CHECK_STEP = 10_000  # entries checked between two progress reports (a multiple of _import.CHUNK)


def submit_import(session: Session, *, jobs: JobEngine, user_id: int, upload: Path, filename: str) -> JobView:
    """Move the uploaded file into a new job's folder and queue the import (when the caller commits)."""
    if upload.stat().st_size == 0:
        raise ValidationFailed("the file is empty", code="empty_file")
    job_id = jobs.new_id()
    folder = jobs.folder(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    upload.rename(folder / UPLOAD)
    return jobs.submit(session, kind=IMPORT, user_id=user_id, payload={"filename": filename[:200]}, public_id=job_id)


def run_import(ctx: JobContext) -> dict[str, Any]:
    if ctx.user_id is None:
        raise ValidationFailed("an import belongs to a listener", code="no_user")
    upload = ctx.files / UPLOAD
    if not upload.exists():
        raise ValidationFailed("the uploaded file is gone; upload it again", code="upload_gone")
    name = str(ctx.payload.get("filename") or "upload.json")

    def progress(report: ImportReport, stage: str) -> None:
        # bounded by the work done, not only by time (a loaded machine would write more): the check pass's
        # total is unknown until it ends, so one report per CHECK_STEP entries; the writes know their total
        if stage == "check":
            if report.rows % CHECK_STEP == 0:
                ctx.progress(0, None, f"Checking: {report.rows:,} entries read")
        else:
            written = report.imported + report.duplicates
            ctx.progress(written, report.listens, f"Saving: {written:,} listens")

    report = import_history(
        ctx.sessions, user_id=ctx.user_id, path=upload, name=name, now=ctx.clock.now(), progress=progress
    )
    ctx.progress(report.listens, report.listens, "Imported", force=True)
    upload.unlink(missing_ok=True)
    return report.as_dict()


def submit_export(session: Session, *, jobs: JobEngine, user_id: int) -> JobView:
    """One export at a time per listener: asking again while one runs returns it."""
    return jobs.submit(session, kind=EXPORT, key=f"user:{user_id}", user_id=user_id)


def run_export(ctx: JobContext) -> dict[str, Any]:
    if ctx.user_id is None:
        raise ValidationFailed("an export belongs to a listener", code="no_user")
    partial = ctx.files / (ZIP + ".part")
    with ctx.sessions() as session, partial.open("wb") as out:
        export_account(session, user_id=ctx.user_id, out=out, now=ctx.clock.now())
    partial.replace(ctx.files / ZIP)  # a worker killed mid-way leaves only the .part, never a short zip
    size = (ctx.files / ZIP).stat().st_size
    ctx.progress(1, 1, "Ready to download", force=True)
    return {"bytes": size}


def export_file(session: Session, *, jobs: JobEngine, user_id: int, job_id: str) -> tuple[Path, datetime]:
    """The finished zip of the listener's own export job (NotFound for anyone else's, or an unfinished one)."""
    view = jobs.get(session, public_id=job_id, user_id=user_id)
    path = jobs.folder(view.id) / ZIP
    if view.kind != EXPORT or view.state != "done" or not path.exists():
        raise NotFound("no such export", code="no_export")
    return path, view.created_at


# accounts.erase needs the card processor: `erase_handler`, registered by bootstrap
HANDLERS = {IMPORT: run_import, EXPORT: run_export, FORGET: run_forget}
