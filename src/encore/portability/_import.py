"""Import a listener's history from Spotify or ListenBrainz: all of it in one transaction, or nothing."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from encore import history
from encore.portability._formats import parse_row
from encore.portability._sources import iter_entries

BATCH = 1_000


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: {"incognito": 0, "short": 0, "not_music": 0})
    first: datetime | None = None
    last: datetime | None = None


def import_history(
    session: Session,
    *,
    user_id: int,
    path: Path,
    name: str,
    now: datetime,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Raises ValidationFailed on the first bad entry; the caller's rollback then leaves nothing behind.

    Importing the same file again adds nothing: listens have deterministic ids (history.listen_play_id).
    """
    report = ImportReport()
    batch: list[history.ListenIn] = []
    for where, item in iter_entries(path, name=name):
        report.rows += 1
        row = parse_row(item, now=now, where=where)
        if row.listen is None:
            report.skipped[row.skipped or "not_music"] += 1
            continue
        at = row.listen.listened_at
        report.first = at if report.first is None or at < report.first else report.first
        report.last = at if report.last is None or at > report.last else report.last
        batch.append(row.listen)
        if len(batch) >= BATCH:
            _flush(session, user_id, batch, report, now)
            if progress is not None:
                progress(report)
    _flush(session, user_id, batch, report, now)
    if progress is not None:
        progress(report)
    return report  # each batch was matched as it went in (history.submit_listens)


def _flush(session: Session, user_id: int, batch: list[history.ListenIn], report: ImportReport, now: datetime) -> None:
    if not batch:
        return
    added = history.submit_listens(session, user_id=user_id, listens=batch, source="import", now=now)
    report.imported += added
    report.duplicates += len(batch) - added
    batch.clear()
