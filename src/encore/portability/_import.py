"""Import a listener's history from Spotify, ListenBrainz or an Encore export: all of it, or nothing.

The file is parsed once. The check pass reads every entry and refuses the file at the first bad one,
writing nothing to the database; for each listen it builds the row the import will write
(history.import_row: the deterministic id, the times, the JSON) and spools it to a file beside the upload
(`_spool`), so memory holds one block of rows, not the file. The write pass then inserts the spooled rows
in chunks, each in its own short transaction, so no other writer waits long for SQLite's lock; the rows
are tagged with the import (history.open_import, keyed by the file's digest) and no reader sees them until
the last step publishes the import by flipping one flag. A worker killed mid-way leaves nothing visible;
running the same file again resumes that import (listens have deterministic ids, history.listen_play_id,
so rows already written are skipped) and publishes it; a file already published adds nothing (all its rows
are duplicates, and the new import publishes empty), unless the listener has since forgotten those plays.
"""

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from encore import history, insights
from encore.db import transaction
from encore.kernel import ValidationFailed
from encore.portability._forget import forgotten_while_importing
from encore.portability._formats import parse_row
from encore.portability._sources import iter_entries
from encore.portability._spool import Spool

CHUNK = 2_000  # listens in the first write transaction: about 30-60 ms on SQLite
WRITE_BUDGET_S = 0.1  # each later one is sized from the last one's pace to hold the write lock about this long
CHUNK_MIN, CHUNK_MAX = 500, 20_000
MAX_ROWS = 3_000_000  # a decade of heavy listening is under a million entries


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: {"incognito": 0, "short": 0, "not_music": 0})
    first: datetime | None = None
    last: datetime | None = None
    listens: int = 0  # entries that are listens (imported + duplicates once written)
    forgotten: int = 0  # written, then dropped before publishing: the listener asked to forget their dates meanwhile

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def said(self) -> str:
        """The finished job's message, in the words the history page says at its end, for every face that lists the
        job later (review32b L5: the recent-jobs list said only "Imported", with no count)."""
        listens = "1 listen" if self.imported == 1 else f"{self.imported:,} listens"
        left_out = f"; {self.forgotten:,} left out: you asked to forget their dates meanwhile" if self.forgotten else ""
        return f"Imported {listens} ({self.duplicates:,} already here{left_out})"


def _listens(path: Path, name: str, now: datetime, report: ImportReport) -> Iterator[history.ImportListen]:
    skipped = report.skipped
    for where, item in iter_entries(path, name=name):
        listen = parse_row(item, now=now, where=where)
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise ValidationFailed(f"more than {MAX_ROWS:,} entries in one import", code="too_many_rows")
        if isinstance(listen, str):
            skipped[listen] += 1
            continue
        at = listen.listened_at
        if report.first is None or at < report.first:
            report.first = at
        if report.last is None or at > report.last:
            report.last = at
        report.listens += 1
        yield listen


def check_history(
    path: Path,
    *,
    name: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    keep: Callable[[history.ImportRow], None] | None = None,
) -> ImportReport:
    """The first pass: every entry read and checked, nothing written. Raises ValidationFailed at the first
    bad entry. With `keep`, each listen's row (history.import_row) is handed to it, in file order."""
    report = ImportReport()
    if path.stat().st_size == 0:
        raise ValidationFailed("the file is empty", code="empty_file")
    for listen in _listens(path, name, now, report):
        if keep is not None:
            keep(history.import_row(listen))
        if progress is not None and report.rows % CHUNK == 0:
            progress(report.rows)
    return report


def import_history(
    sessions: sessionmaker[Session],
    *,
    user_id: int,
    path: Path,
    name: str,
    now: datetime,
    progress: Callable[[ImportReport, str], None] | None = None,
    chunk: int | None = None,
    asked_at: datetime | None = None,
) -> ImportReport:
    """Check the whole file, write it invisibly in short transactions, then publish it in one short one.
    A bad file raises ValidationFailed before anything is written. Ranges the listener asked to forget since
    `asked_at` (the upload; None: when this import first opened) are dropped from it before it publishes."""

    def checking(rows: int) -> None:
        if progress is not None:
            progress(ImportReport(rows=rows), "check")

    with Spool(path.with_name(path.name + ".rows")) as spool:
        checked = check_history(path, name=name, now=now, progress=checking, keep=spool.add)
        report = ImportReport(rows=checked.rows, skipped=checked.skipped, first=checked.first, last=checked.last)
        report.listens = checked.listens
        with transaction(sessions) as session:
            import_id = history.open_import(session, user_id=user_id, digest=file_digest(path), now=now)
        batch: list[history.ImportRow] = []
        size = chunk or CHUNK  # a given chunk size is kept; without one, each follows the write budget
        with history.import_sessions(sessions) as writing:
            for row in spool.read():
                batch.append(row)
                if len(batch) >= size:
                    took = _write(writing, user_id, import_id, batch=batch, report=report, now=now)
                    size = chunk or next_chunk(size, took)
                    if progress is not None:
                        progress(report, "write")
            _write(writing, user_id, import_id, batch=batch, report=report, now=now)
    # never shown, so never counted as imported (review24n N3: the result said 600 imported, 0 were visible)
    dropped = forgotten_while_importing(sessions, user_id=user_id, import_id=import_id, asked_at=asked_at)
    report.forgotten = dropped
    report.imported -= dropped
    report.listens -= dropped
    with transaction(sessions) as session:  # the commit point: one flag, whatever the file's size
        history.publish_import(session, import_id=import_id, now=now)
        shown = report.imported > 0 or history.import_has_rows(session, user_id=user_id, import_id=import_id)
        if shown and report.first is not None and report.last is not None:  # the months the hidden rows did not mark
            history.mark_span(session, user_id=user_id, first=report.first, last=report.last)
            insights.plays_changed(session, user_id=user_id, first=report.first, last=report.last)
    if shown:  # a file imported again showed nothing new: Wrapped has nothing to fold again
        insights.fold_everyone(sessions, user_id=user_id)  # Wrapped's rollups follow, a few months per transaction
    return report


def next_chunk(size: int, took_s: float) -> int:
    """The next write transaction's size: the last one's pace times the budget, at most twice the last size
    (one quick chunk must not make the next one huge), within CHUNK_MIN..CHUNK_MAX. Each commit rewrites the
    index pages the chunk touched, so larger chunks cost less CPU per listen (~15% less at 10,000 than at
    2,000 on 100k rows); the budget keeps other writers' wait for SQLite's lock short on a busy machine too."""
    paced = size * WRITE_BUDGET_S / max(took_s, 1e-3)
    return int(max(CHUNK_MIN, min(CHUNK_MAX, 2 * size, paced)))


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _write(
    sessions: sessionmaker[Session],
    user_id: int,
    import_id: int,
    *,
    batch: list[history.ImportRow],
    report: ImportReport,
    now: datetime,
) -> float:
    """One chunk in one transaction; returns how long it held the write, commit included (what the write
    budget paces: the reads and the rows' building before it keep no other writer waiting on SQLite, so
    counting them made the chunks, and the commits per file, smaller than the budget asks, the more so
    the busier the machine)."""
    if not batch:
        return 0.0
    with transaction(sessions) as session:
        rows = history.prepare_import_rows(session, user_id=user_id, import_id=import_id, rows=batch, now=now)
        writing = time.perf_counter()
        added = history.insert_import_rows(session, import_id=import_id, rows=rows)
    report.imported += added
    report.duplicates += len(batch) - added
    batch.clear()
    return time.perf_counter() - writing
