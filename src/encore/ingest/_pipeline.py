"""The ingest run: sweep -> scan -> skip what is unchanged -> analyze in parallel -> commit each.

Incremental: a file whose path, size and mtime match its row costs one stat() and nothing else;
that includes files that failed before and have not changed since. Those are not retried (an unchanged
broken file would fail the same way; touching or replacing it retries it) but are reported again as
"still failing", with their reason, at every run: cron must not read a clean run while they are missing.
Idempotent: the same audio under two names is one track; a changed file updates its track in place.
Atomic per track: see _commit. Runs share the store (see _run_lock); their commits take turns (_commit_lock).
"""

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from encore.catalog import Album, ReleaseTakenDown, Rendition
from encore.db import transaction
from encore.ingest._analyze import Analyzed, Failed, Job, analyze
from encore.ingest._artwork import SIZES, artwork_relpath
from encore.ingest._commit import commit_result, discard_temp_files
from encore.ingest._models import SourceFile
from encore.ingest._scan import scan
from encore.kernel import EncoreError, end_with_parent
from encore.storage import MediaStore

log = logging.getLogger(__name__)

# (session, the track's public id, "imported" | "updated" | "duplicate"): makes an advertiser's spot ad audio, or
# raises an EncoreError saying why it may not be one (the file then fails with that reason and nothing is saved)
SpotMarker = Callable[[Session, str, str], None]
UPLOADS_DIR = ".uploads"
STALE_UPLOAD_S = 6 * 3600  # an upload dir this old belongs to a process that died


@dataclass
class IngestSummary:
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    skipped_tracks: list[int] = field(default_factory=list)  # the row ids the skipped files were saved as
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    still_failing: list[tuple[str, str]] = field(default_factory=list)  # unchanged since they failed: (file, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    track_ids: list[str] = field(default_factory=list)  # public ids of the tracks the files became, in order
    # (file, track id) of duplicates whose track is on a release not of the upload's label (`Committed.elsewhere`);
    # counted in `duplicates` and `track_ids` too: `encore ingest` tells its operator everything, a label is told
    # less (`seen_by_label`)
    elsewhere: list[tuple[str, str]] = field(default_factory=list)
    # (file, reason): changed files of a release the operator took down, left out and not recorded, so the first
    # run after `encore catalog restore` applies them; not failures (the exit status stays 0: a takedown is meant)
    taken_down: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        done = self.imported + self.updated + self.skipped + self.duplicates
        return done + len(self.failed) + len(self.still_failing) + len(self.taken_down)


COULD_NOT_SAVE = (  # an unexpected error's text (SQL, a driver's words) goes to the server's log, never to a label
    "could not save the file because of an unexpected error on the server (its log says which): try again, or ask"
    " the server's operator"
)
ELSEWHERE = (  # a failure's reason, worded like the others ("upload larger than …", "could not save: …")
    "this recording is already on the server, on a release that is not your label's, so it was not added to"
    " yours; if the recording is yours, ask the server's operator"
)


def seen_by_label(summary: IngestSummary) -> IngestSummary:
    """The summary as a label may be told it (pure; review20 F2): a file whose audio is already a track on a
    release not of the label did not join the label's catalogue, so it is a failure with that reason, not a
    "duplicate" (which reads as "you uploaded it before"), and that track's id (another label's, a draft's maybe)
    is not given."""
    if not summary.elsewhere:
        return summary
    theirs = {track_id for _, track_id in summary.elsewhere}
    return replace(
        summary,
        duplicates=summary.duplicates - len(summary.elsewhere),
        failed=[*summary.failed, *((name, ELSEWHERE) for name, _ in summary.elsewhere)],
        track_ids=[t for t in summary.track_ids if t not in theirs],
        elsewhere=[],
    )


class ProgressSink(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, path: str, outcome: str) -> None: ...
    def finish(self) -> None: ...


@contextmanager
def _run_lock(sessions: sessionmaker[Session], store: MediaStore) -> Iterator[None]:
    """Held (shared) for a whole run: `MediaStore.writing`. Runs go on side by side (review26b F2: a label's upload
    waited a minute behind the demo build's album, and would wait hours behind an operator's `encore ingest` of a
    library, when a store-wide lock was held for each whole run); what must not overlap is the sweep, which deletes
    any temp file and any stored file without a row, that is, another writer's files in flight. So a run sweeps
    only when it has the store alone, then keeps a shared hold. Commits: `_commit_lock`."""
    with store.writing(sweep=lambda: _sweep(sessions, store)):
        yield


@contextmanager
def _commit_lock(store: MediaStore) -> Iterator[None]:
    """One track's commit at a time across every run and process of this store: two runs with the same audio make
    one track, the same album from two runs one album (each commit reads what the ones before it wrote). Held for a
    commit alone, never for an analysis, so a run waits at most for another's one commit."""
    with open(store.root / ".ingest-commit.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def drop_replaced_cover(sessions: sessionmaker[Session], store: MediaStore, *, key: str) -> bool:
    """Remove a replaced cover's files now, if no album names its key any more (a cover is named by its content: two
    releases may share one). Call it inside the replacement's `store.writing()`, after its row committed, outside
    the commit lock. It used to wait for the store-wide sweep, which runs only when a run finds the store alone, so
    rarely on a busy server. Read and deleted under the commit lock, which every placer of art holds from placing
    its files to committing the row that names them (an ingest run's commit, `placed_cover`): so no writer is between
    the two with this key while it is read here."""
    with _commit_lock(store):
        return _drop_unnamed_art(sessions, store, key=key)


def _drop_unnamed_art(sessions: sessionmaker[Session], store: MediaStore, *, key: str) -> bool:
    """`drop_replaced_cover`'s work, for a caller that holds the commit lock (an ingest run's commit)."""
    with sessions() as s:
        named = s.scalar(select(Album.id).where(Album.artwork_key == key).limit(1)) is not None
    if named:
        return False
    for size in SIZES:
        store.delete(artwork_relpath(key, size))
    with contextlib.suppress(OSError):  # the key's folder, when nothing else is in it
        store.resolve(artwork_relpath(key, SIZES[0])).parent.rmdir()
    return True


def _sweep(sessions: sessionmaker[Session], store: MediaStore) -> None:
    """Remove what an interrupted run left: temp files, files without rows, abandoned uploads."""
    with sessions() as s:
        keep = set(s.scalars(select(Rendition.media_path)))
        for key in s.scalars(select(Album.artwork_key).where(Album.artwork_key.is_not(None))):
            keep.update(artwork_relpath(key, size) for size in SIZES if key)
    store.sweep(tops=("audio", "art"), keep=keep)
    uploads = store.root / UPLOADS_DIR
    if uploads.is_dir():
        for folder in uploads.iterdir():
            try:
                stale = time.time() - folder.stat().st_mtime > STALE_UPLOAD_S
            except FileNotFoundError:
                continue  # its own upload finished meanwhile
            if stale:
                shutil.rmtree(folder, ignore_errors=True)


def _plan(
    sessions: sessionmaker[Session],
    store: MediaStore,
    paths: Sequence[Path],
    summary: IngestSummary,
    hints: Mapping[str, str],
) -> list[Job]:
    columns = (
        SourceFile.path,
        SourceFile.size,
        SourceFile.mtime_ns,
        SourceFile.audio_hash,
        SourceFile.track_id,
        SourceFile.status,
        SourceFile.error,
    )
    with sessions() as s:
        known = {row[0]: row[1:] for row in s.execute(select(*columns))}
    jobs = []
    for path, st in scan(paths):
        if (unstorable := unstorable_name(path)) is not None:  # before anything stores, hashes or prints it
            summary.failed.append((unstorable, UNSTORABLE_NAME))
            continue
        seen = known.get(path)
        if seen is not None and seen[0] == st.st_size and seen[1] == st.st_mtime_ns:
            if seen[4] == "failed":
                summary.still_failing.append((hints.get(path) or path, seen[5] or "failed"))
            else:
                summary.skipped += 1
                if seen[3] is not None:
                    summary.skipped_tracks.append(seen[3])
            continue
        # The worker may skip transcoding only if a track still holds the audio it last saw.
        previous = seen[2] if seen is not None and seen[3] is not None else None
        jobs.append(Job(path, st.st_size, st.st_mtime_ns, str(store.tmp_dir), previous, hints.get(path)))
    return jobs


UNSTORABLE_NAME = (
    "its name is not valid UTF-8 (an old rip's or share's Latin-1, say), so Encore cannot keep it: rename the file"
    " (e.g. `convmv -f latin1 -t utf8 --notest FILE`) and run the import again"
)


def unstorable_name(path: str) -> str | None:
    """None for a path the database can hold; for one whose bytes are not UTF-8 (Python's file system encoding
    carries them as lone surrogates, which no database driver, hash or terminal accepts), the path as it can be
    shown, its undecodable bytes spelled `\\xe9` (probe25b H1: one such file ended the whole run in a traceback).
    Such a file is refused, not stored under a made-up name: an escaped form could be another file's real name, and
    every run must find the file again by the name the disk gives. It is never recorded, so every run reports it
    until it is renamed."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return None


def _record_failure(sessions: sessionmaker[Session], failure: Failed) -> None:
    job = failure.job
    with transaction(sessions) as s:
        row = s.scalar(select(SourceFile).where(SourceFile.path == job.path))
        if row is None:
            row = SourceFile(path=job.path, size=job.size, mtime_ns=job.mtime_ns, status="failed")
            s.add(row)
        row.size, row.mtime_ns, row.status, row.error = job.size, job.mtime_ns, "failed", failure.reason


def _fail(sessions: sessionmaker[Session], failure: Failed, summary: IngestSummary) -> str:
    """Record and report a failure by its plain reason; its detail (an exception's text, SQL maybe) goes to the log
    alone: a label once read "could not save: IntegrityError: ... [SQL: INSERT INTO album_artists ..." (probe25a M3)."""
    if failure.detail is not None:
        log.error("ingest of %s failed: %s", failure.job.name_hint or failure.job.path, failure.detail)
    _record_failure(sessions, failure)
    summary.failed.append((failure.job.name_hint or failure.job.path, failure.reason))
    return "failed"


def _commit_one(
    sessions: sessionmaker[Session],
    store: MediaStore,
    result: Analyzed | Failed,
    label: str | None,
    summary: IngestSummary,
    *,
    draft: bool = False,
    as_ad: SpotMarker | None = None,
) -> str:
    if isinstance(result, Failed):
        return _fail(sessions, result, summary)
    summary.warnings.extend((result.job.name_hint or result.job.path, w) for w in result.warnings)
    try:
        with transaction(sessions) as s:
            source = s.scalar(select(SourceFile).where(SourceFile.path == result.job.path))
            committed = commit_result(
                s, store=store, result=result, source=source, label_override=label, draft=draft, spot=as_ad is not None
            )
            if as_ad is not None:  # in the same transaction: the spot is never listed, not for a moment
                as_ad(s, committed.track_id, committed.outcome)
    except ReleaseTakenDown as exc:  # files already renamed into the store: as below
        discard_temp_files(result)
        summary.taken_down.append((result.job.name_hint or result.job.path, exc.message))
        return "taken down"
    except Exception as exc:
        # Files already renamed into the store have no rows now: the next run's sweep removes them.
        discard_temp_files(result)
        if isinstance(exc, EncoreError):  # Encore's own refusals are sentences for whoever uploaded
            return _fail(sessions, Failed(result.job, f"could not save: {exc.message}"), summary)
        log.exception("saving %s failed", result.job.name_hint or result.job.path)
        return _fail(sessions, Failed(result.job, COULD_NOT_SAVE), summary)
    summary.warnings.extend((result.job.name_hint or result.job.path, w) for w in committed.warnings)
    for stale in committed.stale_files:
        store.delete(stale)
    for key in committed.let_go_art:  # committed, and the commit lock is held (`run_ingest`)
        _drop_unnamed_art(sessions, store, key=key)
    counter = {"imported": "imported", "updated": "updated", "duplicate": "duplicates"}[committed.outcome]
    setattr(summary, counter, getattr(summary, counter) + 1)
    summary.track_ids.append(committed.track_id)
    if committed.elsewhere:
        summary.elsewhere.append((result.job.name_hint or result.job.path, committed.track_id))
    return committed.outcome


def run_ingest(
    *,
    paths: Sequence[Path],
    session_factory: sessionmaker[Session],
    store: MediaStore,
    label_override: str | None,
    workers: int,
    progress: ProgressSink | None,
    name_hints: Mapping[str, str] | None = None,
    draft: bool = False,
    isolate: bool = False,
    as_ad: SpotMarker | None = None,
) -> IngestSummary:
    """Import `paths` (files or folders). `name_hints` maps a path to the name a person knows it by
    (an upload's original name): used for the title when tags have none, and in failure reports.
    `draft`: new tracks land in a draft release (a label's upload), see `commit_result`. `isolate`: analyse
    in a child process even for one file (a serving process's upload: the decoder libraries and their buffers,
    ~20 MiB mapped and as much left in the allocator, stay out of the long-lived server; issue #16). `as_ad`: each
    file is an advertiser's spot, made ad audio by this callable (`ads.spot_marker`) in its own commit's transaction,
    or refused with its reason."""
    summary = IngestSummary()
    with _run_lock(session_factory, store):
        jobs = _plan(session_factory, store, paths, summary, name_hints or {})
        if progress:
            progress.start(len(jobs))
        try:
            with closing(_results(jobs, workers, isolate=isolate)) as results:  # closing: the pool stops even on Ctrl-C
                for result in results:
                    with _commit_lock(store):
                        outcome = _commit_one(
                            session_factory,
                            store,
                            result,
                            label=label_override,
                            summary=summary,
                            draft=draft,
                            as_ad=as_ad,
                        )
                    if progress:
                        progress.advance(result.job.path, outcome)
        finally:
            if progress:
                progress.finish()
    return summary


def _results(jobs: list[Job], workers: int, *, isolate: bool = False) -> Generator[Analyzed | Failed]:
    if not jobs or (not isolate and (workers <= 1 or len(jobs) <= 1)):
        yield from (analyze(job) for job in jobs)
        return
    # forkserver: workers never inherit the parent's database connections or threads. They end with the run, even
    # a `kill -9`'d one, and the forkserver with them (review27a L2).
    pool = ProcessPoolExecutor(
        max_workers=max(1, workers), mp_context=get_context("forkserver"), initializer=end_with_parent
    )
    pending: set[Future[Analyzed | Failed]] = set()
    try:
        for job in jobs:
            pending.add(pool.submit(analyze, job))
            if len(pending) >= workers * 2:  # bounded: results are committed as they arrive
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in done)
    finally:
        # On Ctrl-C (or any error) do not wait for queued work; temp files left behind are swept.
        pool.shutdown(wait=True, cancel_futures=True)
