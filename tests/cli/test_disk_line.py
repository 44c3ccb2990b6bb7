"""The line a command stops with when a disk is full names the disk the error is about (review25o L1): it named
ENCORE_DATA_DIR for any full or failing disk, an ingest source's or a temporary folder's among them. The errors
are the kernel's own, from a real full filesystem (a tmpfs of a few files)."""

import errno
import os
from pathlib import Path

import pytest

from encore.cli._stopped import why_stopped
from encore.config import Settings
from tests.support.disk import fill, mounted_tmpfs


def _no_room_for_a_file(folder: Path) -> OSError:
    """A file made where no more can be (the filesystem's inodes used up): ENOSPC naming that file."""
    refused: OSError | None = None
    for i in range(64):
        try:
            (folder / f"f{i}").touch()
        except OSError as exc:
            refused = exc
            break
    assert refused is not None and refused.errno == errno.ENOSPC, refused
    return refused


def test_a_full_disk_elsewhere_is_named_not_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "var"
    with mounted_tmpfs(tmp_path / "source", size="1m", inodes=3) as other:
        exc = _no_room_for_a_file(other)
    stopped = why_stopped(exc, Settings(mode="dev", data_dir=data))
    assert stopped is not None and stopped.code == 3
    assert stopped.message.startswith(f"Encore cannot use {exc.filename}: its disk is full or failing"), stopped
    assert "ENCORE_DATA_DIR" not in stopped.message and "its data" not in stopped.message


def test_a_full_disk_under_the_data_dir_says_so(tmp_path: Path) -> None:
    """A disk mounted under the data directory (media/ on a disk of its own): the file, and that it is Encore's."""
    data = tmp_path / "var"
    data.mkdir()
    with mounted_tmpfs(data / "media", size="1m", inodes=3) as media:
        exc = _no_room_for_a_file(media)
    stopped = why_stopped(exc, Settings(mode="dev", data_dir=data))
    assert stopped is not None
    assert stopped.message.startswith(
        f"Encore cannot use {exc.filename}, under the data directory (ENCORE_DATA_DIR={data.resolve()}): its disk"
    ), stopped


def test_a_write_that_names_no_file_blames_no_one_disk(tmp_path: Path) -> None:
    """A write to a file already open names no path: the line says which disks it may be, not the data dir's."""
    data = tmp_path / "var"
    with mounted_tmpfs(tmp_path / "scratch", size="16k") as scratch:
        fill(scratch)
        fd = os.open(scratch / "out", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            with pytest.raises(OSError, match="No space left") as full:
                os.write(fd, b"\0" * 4096)
        finally:
            os.close(fd)
    assert full.value.filename is None
    stopped = why_stopped(full.value, Settings(mode="dev", data_dir=data))
    assert stopped is not None
    assert stopped.message.startswith("A disk Encore was reading or writing is full or failing"), stopped
    assert "cannot write its data" not in stopped.message
    assert f"the data directory's (ENCORE_DATA_DIR={data.resolve()}) or that of a file or folder" in stopped.message
