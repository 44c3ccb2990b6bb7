"""A long export keeps its job's lease while it writes, and stops without publishing once another attempt holds
the job (review24 F1: an export of a decade of plays outlasted the 60 s lease, ran twice at once into one file,
and the zip marked done did not open)."""

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.jobs import JobContext, Superseded
from encore.portability._jobs import EXPORT, run_export

PLAYS = 800  # each written four times (plays and listens, JSON and CSV): 3,200 rows


def _listener(c: Container) -> int:
    with transaction(c.sessions) as s:
        uid = create_user(s, username="heavy", password="listener-pass-1").id
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows = [
        {"user_id": uid, "client_play_id": f"p{i}", "started_at": start + timedelta(minutes=4 * i),
         "updated_at": start + timedelta(minutes=4 * i), "ms_played": 200_000, "state": "ended", "source": "import",
         "is_listen": True, "artist_name": f"Band {i % 89}", "track_name": f"Song {i % 97}", "shuffle": False}
        for i in range(PLAYS)
    ]  # fmt: skip
    with transaction(c.sessions) as s:
        s.execute(insert(Play), rows)
    return uid


def _context(c: Container, uid: int, folder: Path, report: object, attempt: int = 1) -> JobContext:
    # lease_s=0: every report the export offers is written (its throttle is a third of the lease)
    return JobContext(
        job_id="export", kind=EXPORT, user_id=uid, payload={}, sessions=c.sessions, clock=c.clock, files=folder,
        attempt=attempt, _report=report, lease_s=0.0,  # type: ignore[arg-type]
    )  # fmt: skip


def test_an_export_renews_its_lease_while_it_writes(container: Container, tmp_path: Path) -> None:
    uid = _listener(container)
    folder = tmp_path / "job"
    folder.mkdir()
    zip_path = folder / "export.zip"
    renewed_before_the_zip: list[int] = []

    def report(done: int, total: int | None, message: str | None) -> None:
        if not zip_path.exists():
            renewed_before_the_zip.append(done)

    result = run_export(_context(container, uid, folder, report))
    assert len(renewed_before_the_zip) >= 4 * PLAYS // 500  # one at least every EXPORT_STEP rows
    assert zipfile.ZipFile(zip_path).testzip() is None and result["bytes"] == zip_path.stat().st_size
    assert sorted(p.name for p in folder.iterdir()) == ["export.zip"]  # its partial file is gone


def test_a_superseded_export_stops_and_publishes_nothing(container: Container, tmp_path: Path) -> None:
    uid = _listener(container)
    folder = tmp_path / "job"
    folder.mkdir()
    newer = folder / "export.zip.2.part"
    newer.write_bytes(b"the newer attempt's zip, half written")
    reports: list[int] = []

    def report(done: int, total: int | None, message: str | None) -> None:
        reports.append(done)
        if len(reports) == 3:  # the job was claimed again: the engine refuses this attempt's report
            raise Superseded("attempt 1 no longer holds it")

    with pytest.raises(Superseded):
        run_export(_context(container, uid, folder, report, attempt=1))
    assert not (folder / "export.zip").exists()  # nothing published by the stalled attempt
    assert sorted(p.name for p in folder.iterdir()) == [newer.name]  # its own partial gone, the newer one whole
    assert newer.read_bytes() == b"the newer attempt's zip, half written"
