"""Imports and exports as background jobs: the request saves the upload and queues; a worker does the rest."""

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction

from encore.db import transaction
from encore.jobs import Job, JobContext, JobEngine, JobView
from encore.kernel import Conflict, NotFound, ValidationFailed
from encore.portability._export import export_account
from encore.portability._forget import FORGET, FORGET_PLAY, RESUMED_PLAY, run_forget, run_forget_play
from encore.portability._import import ImportReport, import_history

IMPORT, EXPORT = "history.import", "account.export"
UPLOAD, ZIP = "upload", "export.zip"
UNNAMED_UPLOAD = "the request body"  # what errors call a file sent without a name
CHECK_STEP = 10_000  # entries checked between two progress reports (a multiple of _import.CHUNK)
EXPORT_STEP = 500  # rows written between two looks at the clock (a report goes out if it is time for one)


DISK_MARGIN_BYTES = 1 << 30  # an upload is refused if the data dir's filesystem would keep less than this free


class ImportOpen(Conflict):
    """The listener already has an import queued or running: one at a time (review19 F1: any number could be
    queued, each keeping up to 512 MiB on disk and holding the one job queue ahead of everyone's erasures)."""

    code = "import_open"

    def __init__(self, job: JobView) -> None:
        super().__init__(
            "an import of yours is already waiting or running; send this file once it has finished",
            code=self.code,
        )
        self.job = job


def open_import(session: Session, *, jobs: JobEngine, user_id: int) -> JobView | None:
    """The listener's import still queued or running, if any (by owner, so an import queued before imports
    had a per-listener key counts too)."""
    job = session.scalar(
        select(Job.public_id)
        .where(Job.kind == IMPORT, Job.user_id == user_id, Job.state.in_(("queued", "running")))
        .order_by(Job.id)
        .limit(1)
    )
    return None if job is None else jobs.get(session, public_id=job, user_id=user_id)


def check_import_slot(session: Session, *, jobs: JobEngine, user_id: int) -> None:
    """Raise ImportOpen before the upload is read, so a refused file is never written to disk."""
    if (job := open_import(session, jobs=jobs, user_id=user_id)) is not None:
        raise ImportOpen(job)


def room_for_upload(*, free_bytes: int, size: int, margin: int = DISK_MARGIN_BYTES) -> str | None:
    """Why an upload of `size` bytes may not be written where `free_bytes` are free (None: it may)."""
    if free_bytes - size >= margin:
        return None
    return "the server is short of disk space and cannot take this file now; try again later"


def submit_import(session: Session, *, jobs: JobEngine, user_id: int, upload: Path, filename: str) -> JobView:
    """Move the uploaded file into a new job's folder and queue the import (when the caller commits).
    One import at a time per listener: ImportOpen names the one still open, and this upload is not kept."""
    if upload.stat().st_size == 0:
        raise ValidationFailed("the file is empty", code="empty_file")
    check_import_slot(session, jobs=jobs, user_id=user_id)
    job_id = jobs.new_id()
    folder = jobs.folder(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    _dropped_unless_committed(session, folder)
    upload.rename(folder / UPLOAD)
    view = jobs.submit(
        session, kind=IMPORT, key=f"user:{user_id}", user_id=user_id, payload={"filename": filename[:200]},
        public_id=job_id,
    )  # fmt: skip
    if view.id != job_id:  # the listener's other request queued one meanwhile (the jobs' open-key index)
        shutil.rmtree(folder, ignore_errors=True)
        raise ImportOpen(view)
    return view


def _dropped_unless_committed(session: Session, folder: Path) -> None:
    """Delete the job's folder if the caller's transaction ends without committing (the request failed after
    this, or its commit did): the upload is moved in before the job's row exists, and a folder no row names
    is one nothing would ever run or reap, up to 512 MiB left on disk per try."""
    if session.get_transaction() is None:
        session.connection()  # begins the transaction whose end is watched (autobegin)
    root = session.get_transaction()
    committed = False

    def on_commit(s: Session) -> None:
        nonlocal committed
        committed = committed or s.get_nested_transaction() is None  # a savepoint's commit is not the row's

    def on_end(_s: Session, transaction: SessionTransaction) -> None:
        # the listeners stay (SQLAlchemy forbids removing one while its event runs) and act on `root` only;
        # they go with the session, one request's
        if transaction is root and not committed:
            shutil.rmtree(folder, ignore_errors=True)

    event.listen(session, "after_commit", on_commit)
    event.listen(session, "after_transaction_end", on_end)


def run_import(ctx: JobContext) -> dict[str, Any]:
    if ctx.user_id is None:
        raise ValidationFailed("an import belongs to a listener", code="no_user")
    upload = ctx.files / UPLOAD
    if not upload.exists():
        raise ValidationFailed("the uploaded file is gone; upload it again", code="upload_gone")
    name = str(ctx.payload.get("filename") or UNNAMED_UPLOAD)

    def progress(report: ImportReport, stage: str) -> None:
        # bounded by the work done, not only by time (a loaded machine would write more): the check pass's
        # total is unknown until it ends, so one report per CHECK_STEP entries; the writes know their total
        if stage == "check":
            if report.rows % CHECK_STEP == 0:
                ctx.progress(0, None, f"Checking: {report.rows:,} entries read")
        else:
            written = report.imported + report.duplicates
            ctx.progress(written, report.listens, f"Saving: {written:,} listens")

    with ctx.sessions() as session:  # a forget asked after the upload applies to this file's plays too
        asked_at = session.scalar(select(Job.created_at).where(Job.public_id == ctx.job_id))
    report = import_history(
        ctx.sessions, user_id=ctx.user_id, path=upload, name=name, now=ctx.clock.now(), progress=progress,
        asked_at=asked_at,
    )  # fmt: skip
    ctx.progress(report.listens, report.listens, report.said(), force=True)
    upload.unlink(missing_ok=True)
    return report.as_dict()


def submit_export(session: Session, *, jobs: JobEngine, user_id: int) -> JobView:
    """One export at a time per listener: asking again while one runs returns it."""
    return jobs.submit(session, kind=EXPORT, key=f"user:{user_id}", user_id=user_id)


def run_export(ctx: JobContext) -> dict[str, Any]:
    if ctx.user_id is None:
        raise ValidationFailed("an export belongs to a listener", code="no_user")
    # Each attempt writes its own file: one that stalled past its lease and is still writing when the job is
    # run again must not write into the newer attempt's (review24 F1: two writers made one corrupt zip).
    partial = ctx.files / f"{ZIP}.{ctx.attempt}.part"

    written = 0

    def tick(rows: int) -> None:  # renews the lease; raises Superseded once another attempt holds the job
        nonlocal written
        written = rows
        if rows % EXPORT_STEP == 0:
            ctx.progress(rows, None, f"Writing: {rows:,} rows")

    try:
        with ctx.sessions() as session, partial.open("wb") as out:
            export_account(session, user_id=ctx.user_id, out=out, now=ctx.clock.now(), tick=tick)
        ctx.progress(written, None, "Zip written", force=True)  # still this attempt's, just before it is published
        partial.replace(ctx.files / ZIP)  # a worker killed mid-way leaves only a .part, never a short zip
    finally:
        partial.unlink(missing_ok=True)
    size = (ctx.files / ZIP).stat().st_size
    ctx.progress(1, 1, "Ready to download", force=True)
    return {"bytes": size}


def export_file(session: Session, *, jobs: JobEngine, user_id: int, job_id: str) -> tuple[Path, datetime]:
    """The finished zip of the listener's own export job (NotFound for anyone else's, or an unfinished one)."""
    view = jobs.get(session, public_id=job_id, user_id=user_id)
    if not export_ready(jobs=jobs, view=view):
        raise NotFound("no such export", code="no_export")
    return jobs.folder(view.id) / ZIP, view.created_at


def export_ready(*, jobs: JobEngine, view: JobView) -> bool:
    """Whether this job is an export whose zip can be downloaded now: finished, and neither deleted by a later
    forget (`drop_exports`) nor by the engine's sweep of finished jobs' files a day on."""
    return view.kind == EXPORT and view.state == "done" and (jobs.folder(view.id) / ZIP).exists()


EXPORT_DROPPED = "Deleted when you deleted plays it held; export again for a copy without them"


def drop_exports(ctx: JobContext) -> int:
    """The listener's finished exports hold the plays they just forgot (review24 F6): their zips are deleted
    (a download answers no_export) and each job says why. Run once the plays are gone, so an export finished
    meanwhile goes too; one asked later is made without them. Returns how many zips went."""
    with ctx.sessions() as session:
        done = list(
            session.execute(
                select(Job.id, Job.public_id).where(Job.kind == EXPORT, Job.user_id == ctx.user_id, Job.state == "done")
            )
        )
    dropped = [job_id for job_id, public_id in done if _unlinked(ctx.files.parent / public_id / ZIP)]
    if dropped:
        with transaction(ctx.sessions) as session:
            session.execute(update(Job).where(Job.id.in_(dropped)).values(message=EXPORT_DROPPED))
    return len(dropped)


def _unlinked(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def run_forget_and_drop_exports(ctx: JobContext) -> dict[str, Any]:
    result = run_forget(ctx)
    return {**result, "exports_deleted": drop_exports(ctx)}


# accounts.erase needs the card processor: `erase_handler`, registered by bootstrap
HANDLERS = {
    IMPORT: run_import,
    EXPORT: run_export,
    FORGET: run_forget_and_drop_exports,
    FORGET_PLAY: run_forget_play,
    RESUMED_PLAY: run_forget_play,  # the same run, on a record the listener is not shown
}
UNLISTED = frozenset({RESUMED_PLAY})  # kinds bootstrap registers unlisted (`JobEngine.register`)
