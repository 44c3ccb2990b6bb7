"""A spool record's kept time survives a copy that does not keep file times. It was read off the record file's
modification time, so a backup restored with `cp` (no `-p`) or `rsync` (no `-a`) dated every record at the copy,
and the drain judged each by its track's status then: a play served while its track was published, withdrawn
between the keep and the restore, was refused. Now the time is written in the record's `.kept` file; a record
kept by the release before (no `.kept`) is still read by its file's time."""

import os
import shutil
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import orjson

from encore import playback
from encore.bootstrap import Container, write_verified
from encore.catalog import ReleaseStatus
from tests.playback.test_edge_withdrawn import _recorded, _set, _song

AT = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _restored_without_times(spool: Path, to: Path, *, at: datetime) -> None:
    """`cp -r` without `-p`: the files' contents, each dated at the copy (`at`)."""
    to.mkdir(parents=True)
    for path in spool.iterdir():
        shutil.copyfile(path, to / path.name)
        os.utime(to / path.name, (at.timestamp(), at.timestamp()))


def test_a_record_restored_without_file_times_is_judged_by_when_it_was_kept(
    container: Container, tmp_path: Path
) -> None:
    c = container
    fan, song, album = _song(c)
    spool = playback.SpoolOutbox(tmp_path / "outbox")
    spool.keep(playback.Verified(fan, song, "e" * 64, c.clock.now() - timedelta(minutes=1), 31_000))
    _set(c, album, ReleaseStatus.WITHDRAWN, c.clock.now() + timedelta(seconds=1))
    _restored_without_times(tmp_path / "outbox", tmp_path / "restored", at=c.clock.now() + timedelta(hours=1))
    restored = playback.SpoolOutbox(tmp_path / "restored")
    assert restored.drain(partial(write_verified, c.sessions)) == playback.Drained(written=1)
    assert _recorded(c) == 1
    assert sorted(p.name for p in (tmp_path / "restored").iterdir()) == []  # its `.kept` went with it


class _Seen:
    def __init__(self, *, refuse_once: bool = False) -> None:
        self.kept_at: list[datetime | None] = []
        self.refuse_once = refuse_once

    def write(self, verified: playback.Verified) -> bool:
        self.kept_at.append(verified.kept_at)
        if self.refuse_once:
            self.refuse_once = False
            raise ValueError("this record's own failure")
        return True


def _legacy(folder: Path, key: str, fields: list[object], *, at: datetime) -> Path:
    """A record as the release before kept it: its file alone, dated when it was kept."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.json"
    path.write_bytes(orjson.dumps(fields))
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def test_a_record_kept_by_the_release_before_is_read_by_its_file_time(tmp_path: Path) -> None:
    at_us = (AT - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    _legacy(tmp_path, "a" * 64, ["user1", "track1", at_us, 30_000], at=AT)
    seen = _Seen()
    assert playback.SpoolOutbox(tmp_path).drain(seen.write) == playback.Drained(written=1)
    assert seen.kept_at == [AT]


def test_a_five_field_record_rewritten_after_its_own_failure_keeps_its_time(tmp_path: Path) -> None:
    """The release that counted failures in the record kept five fields; its first failure here rewrites it in
    four, which changed its file's time, and with it the time it was kept."""
    at_us = (AT - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    path = _legacy(tmp_path, "b" * 64, ["user1", "track1", at_us, 30_000, 1], at=AT)
    _legacy(tmp_path, "c" * 64, ["user2", "track2", at_us, 30_000], at=AT)  # written: the database answers
    spool, seen = playback.SpoolOutbox(tmp_path), _Seen(refuse_once=True)
    assert spool.drain(seen.write).written == 1
    assert len(orjson.loads(path.read_bytes())) == 4 and path.stat().st_mtime > AT.timestamp()  # rewritten now
    again = _Seen()
    assert spool.drain(again.write) == playback.Drained(written=1)
    assert again.kept_at == [AT]


def test_a_kept_time_whose_record_is_gone_is_swept(tmp_path: Path) -> None:
    """A `.kept` left by a keep racing another process's drain (the record written and removed between its two
    files) does not stay."""
    orphan = tmp_path / f"{'d' * 64}.kept"
    orphan.write_bytes(b"1")
    playback.SpoolOutbox(tmp_path).drain(_Seen().write)
    assert not orphan.exists()
