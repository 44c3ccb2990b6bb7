"""A small filesystem of a test's own, and filling it: what a full disk does, really (a tmpfs)."""

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a filesystem of its own, of 16 KB (a tmpfs: mounting one needs root)."""
    with mounted_tmpfs(tmp_path / "small", size="16k") as where:
        yield where


@contextmanager
def mounted_tmpfs(where: Path, *, size: str, inodes: int | None = None) -> Iterator[Path]:
    """`where`, made, on a tmpfs of `size` (e.g. "16k", "8m") for the block, and of `inodes` files and folders if
    given (the root folder is one); skips the test where mounting is not allowed (root only)."""
    where.mkdir()
    options = f"size={size}" + (f",nr_inodes={inodes}" if inodes is not None else "")
    mount = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)]
    mounted = subprocess.run(mount, check=False, capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"a {size} tmpfs could not be mounted (root only): {mounted.stderr.decode(errors='replace')}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=True)


def fill(folder: Path) -> Path:
    """Fill the folder's filesystem: a file can still be made there, but none of its bytes written."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with pytest.raises(OSError, match="No space left") as full:  # noqa: PT012  (written until it refuses)
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    assert full.value.errno == errno.ENOSPC, full.value
    return filler
