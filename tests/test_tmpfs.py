"""The suite's servers keep their files on tmpfs only when there is one with room (tests/support/tmpfs.py)."""

from pathlib import Path
from typing import NamedTuple

import pytest

from tests.support import tmpfs


class _Usage(NamedTuple):
    total: int
    used: int
    free: int


def test_a_roomy_writable_tmpfs_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tmpfs, "MEMORY_DIR", tmp_path)
    monkeypatch.setattr(tmpfs.shutil, "disk_usage", lambda _p: _Usage(8 * 1024**3, 0, 8 * 1024**3))
    assert tmpfs.memory_dir() == tmp_path


def test_a_small_tmpfs_such_as_dockers_64_mb_is_not(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tmpfs, "MEMORY_DIR", tmp_path)
    monkeypatch.setattr(tmpfs.shutil, "disk_usage", lambda _p: _Usage(64 * 1024**2, 0, 64 * 1024**2))
    assert tmpfs.memory_dir() is None


def test_no_tmpfs_means_the_default_temp_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tmpfs, "MEMORY_DIR", tmp_path / "absent")
    assert tmpfs.memory_dir() is None
