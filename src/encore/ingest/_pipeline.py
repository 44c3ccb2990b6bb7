"""The ingest run: sweep -> scan -> skip what is unchanged -> analyze in parallel -> commit each.

Incremental: a file whose path, size and mtime match its row costs one stat() and nothing else.
Idempotent: the same audio under two names is one track; a changed file updates its track in place.
Atomic per track: see _commit. Runs are serialised by a lock file in the store.
"""

import fcntl
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from encore.catalog import Album, Rendition
from encore.db import transaction
from encore.ingest._analyze import Analyzed, Failed, Job, analyze
from encore.ingest._artwork import FOLDER_EXTS, SIZES, artwork_relpath
from encore.ingest._commit import commit_result, discard_temp_files
from encore.ingest._models import SourceFile
from encore.storage import MediaStore

SKIP_SUFFIXES = frozenset({*FOLDER_EXTS, ".gif", ".bmp", ".txt", ".nfo", ".cue", ".log", ".m3u", ".m3u8", ".pdf"})


@dataclass
class IngestSummary:
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.imported + self.updated + self.skipped + self.duplicates + len(self.failed)


class ProgressSink(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, path: str, outcome: str) -> None: ...
    def finish(self) -> None: ...


def scan(paths: Sequence[Path]) -> Iterator[tuple[str, os.stat_result]]:
    """Regular files under the given paths; hidden entries and side files (images, cue sheets) skipped."""
    for given in paths:
        root = given.resolve()
        if root.is_file():
            yield str(root), root.stat()
            continue
        for dirpath, dirnames, filenames in os.walk(root):  # os.walk does not follow symlinked dirs
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith(".") or os.path.splitext(name)[1].lower() in SKIP_SUFFIXES:
                    continue
                full = os.path.join(dirpath, name)
                st = os.lstat(full)
                if not os.path.islink(full) and st.st_size >= 0:
                    yield full, st


@contextmanager
def _run_lock(store: MediaStore) -> Iterator[None]:
    store.ensure()
    with open(store.root / ".ingest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _sweep(sessions: sessionmaker[Session], store: MediaStore) -> None:
    with sessions() as s:
        keep = set(s.scalars(select(Rendition.media_path)))
        for key in s.scalars(select(Album.artwork_key).where(Album.artwork_key.is_not(None))):
            keep.update(artwork_relpath(key, size) for size in SIZES if key)
    store.sweep(tops=("audio", "art"), keep=keep)


def _plan(
    sessions: sessionmaker[Session], store: MediaStore, paths: Sequence[Path], summary: IngestSummary
) -> list[Job]:
    with sessions() as s:
        known = {row.path: (row.size, row.mtime_ns, row.audio_hash) for row in s.scalars(select(SourceFile))}
    jobs = []
    for path, st in scan(paths):
        seen = known.get(path)
        if seen is not None and seen[0] == st.st_size and seen[1] == st.st_mtime_ns:
            summary.skipped += 1
            continue
        jobs.append(Job(path, st.st_size, st.st_mtime_ns, str(store.tmp_dir), seen[2] if seen else None))
    return jobs


def _record_failure(sessions: sessionmaker[Session], failure: Failed) -> None:
    with transaction(sessions) as s:
        row = s.scalar(select(SourceFile).where(SourceFile.path == failure.job.path))
        if row is None:
            row = SourceFile(
                path=failure.job.path, size=failure.job.size, mtime_ns=failure.job.mtime_ns, status="failed"
            )
            s.add(row)
        row.size, row.mtime_ns, row.status, row.error = failure.job.size, failure.job.mtime_ns, "failed", failure.reason


def _commit_one(
    sessions: sessionmaker[Session],
    store: MediaStore,
    result: Analyzed | Failed,
    label: str | None,
    summary: IngestSummary,
) -> str:
    if isinstance(result, Failed):
        _record_failure(sessions, result)
        summary.failed.append((result.job.path, result.reason))
        return "failed"
    summary.warnings.extend((result.job.path, w) for w in result.warnings)
    try:
        with transaction(sessions) as s:
            source = s.scalar(select(SourceFile).where(SourceFile.path == result.job.path))
            committed = commit_result(s, store=store, result=result, source=source, label_override=label)
    except Exception as exc:
        discard_temp_files(result)
        reason = f"could not save: {type(exc).__name__}: {str(exc)[:160]}"
        _record_failure(sessions, Failed(result.job, reason))
        summary.failed.append((result.job.path, reason))
        return "failed"
    for stale in committed.stale_files:
        store.delete(stale)
    counter = {"imported": "imported", "updated": "updated", "duplicate": "duplicates"}[committed.outcome]
    setattr(summary, counter, getattr(summary, counter) + 1)
    return committed.outcome


def run_ingest(
    *,
    paths: Sequence[Path],
    session_factory: sessionmaker[Session],
    store: MediaStore,
    label_override: str | None,
    workers: int,
    progress: ProgressSink | None,
) -> IngestSummary:
    summary = IngestSummary()
    with _run_lock(store):
        _sweep(session_factory, store)
        jobs = _plan(session_factory, store, paths, summary)
        if progress:
            progress.start(len(jobs))
        try:
            for result in _results(jobs, workers):
                outcome = _commit_one(session_factory, store, result, label=label_override, summary=summary)
                if progress:
                    progress.advance(result.job.path, outcome)
        finally:
            if progress:
                progress.finish()
    return summary


def _results(jobs: list[Job], workers: int) -> Iterator[Analyzed | Failed]:
    if workers <= 1 or len(jobs) <= 1:
        yield from (analyze(job) for job in jobs)
        return
    # forkserver: workers never inherit the parent's database connections or threads.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver")) as pool:
        pending: set[Future[Analyzed | Failed]] = set()
        queue = iter(jobs)
        try:
            for job in queue:
                pending.add(pool.submit(analyze, job))
                if len(pending) >= workers * 2:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (f.result() for f in done)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
