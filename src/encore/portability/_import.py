"""Import a listener's history from Spotify or ListenBrainz: all of it, or nothing.

Two passes over the file, both streaming. The first reads every entry and refuses the file at the first
bad one, writing nothing. The second writes the listens in chunks, each in its own short transaction, so
no other writer waits long for SQLite's lock. Listens have deterministic ids (history.listen_play_id), so
a second run of the same file (a retry, a worker that died mid-way, the same upload twice) adds nothing
and completes what the first left.
"""

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from encore import history
from encore.db import transaction
from encore.kernel import ValidationFailed
from encore.portability._formats import parse_row
from encore.portability._sources import iter_entries

CHUNK = 2_000  # listens per write transaction: about 30-60 ms on SQLite
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _listens(path: Path, name: str, now: datetime, report: ImportReport | None) -> Iterator[history.ListenIn]:
    for where, item in iter_entries(path, name=name):
        row = parse_row(item, now=now, where=where)
        if report is not None:
            report.rows += 1
            if report.rows > MAX_ROWS:
                raise ValidationFailed(f"more than {MAX_ROWS:,} entries in one import", code="too_many_rows")
            if row.listen is None:
                report.skipped[row.skipped or "not_music"] += 1
        if row.listen is None:
            continue
        if report is not None:
            at = row.listen.listened_at
            report.first = at if report.first is None or at < report.first else report.first
            report.last = at if report.last is None or at > report.last else report.last
            report.listens += 1
        yield row.listen


def check_history(
    path: Path, *, name: str, now: datetime, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """The first pass: every entry read and checked, nothing written. Raises ValidationFailed at the first
    bad entry."""
    report = ImportReport()
    if path.stat().st_size == 0:
        raise ValidationFailed("the file is empty", code="empty_file")
    for _ in _listens(path, name, now, report):
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
) -> ImportReport:
    """Check the whole file, then write it in short transactions. A bad file raises ValidationFailed before
    anything is written."""

    def checking(rows: int) -> None:
        if progress is not None:
            progress(ImportReport(rows=rows), "check")

    checked = check_history(path, name=name, now=now, progress=checking)
    report = ImportReport(rows=checked.rows, skipped=checked.skipped, first=checked.first, last=checked.last)
    batch: list[history.ListenIn] = []
    for listen in _listens(path, name, now, None):
        batch.append(listen)
        if len(batch) >= CHUNK:
            _write(sessions, user_id, batch, report, now)
            if progress is not None:
                progress(report, "write")
    _write(sessions, user_id, batch, report, now)
    report.listens = checked.listens
    return report


def _write(
    sessions: sessionmaker[Session], user_id: int, batch: list[history.ListenIn], report: ImportReport, now: datetime
) -> None:
    if not batch:
        return
    with transaction(sessions) as session:
        added = history.submit_listens(session, user_id=user_id, listens=batch, source="import", now=now)
    report.imported += added
    report.duplicates += len(batch) - added
    batch.clear()
