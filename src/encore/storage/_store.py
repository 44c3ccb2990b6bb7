"""Files enter the store only under names the server makes, via temp file + fsync + rename.

Callers never pass a user-supplied name here: `relpath`s are built by Encore from hashes and
rendition kinds, and `resolve` still refuses anything that would leave the root.
"""

import os
import re
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

from encore.kernel import EncoreError

_SAFE_REL = re.compile(r"^[a-z0-9]+(?:/[A-Za-z0-9._-]+)+$")


class StoreError(EncoreError):
    code = "store_error"


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.tmp_dir = self.root / ".tmp"

    def ensure(self) -> None:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    def resolve(self, relpath: str) -> Path:
        if not _SAFE_REL.fullmatch(relpath) or ".." in relpath.split("/"):
            raise StoreError(f"refusing store path {relpath!r}")
        path = (self.root / relpath).resolve()
        if not path.is_relative_to(self.root):
            raise StoreError(f"refusing store path {relpath!r}")
        return path

    def new_temp_path(self, suffix: str = "") -> Path:
        """A fresh, server-named path in the store's temp area (same filesystem, so rename is atomic)."""
        self.ensure()
        return self.tmp_dir / f"{secrets.token_hex(16)}{suffix}.part"

    def commit(self, temp: Path, relpath: str) -> Path:
        """fsync the temp file, rename it into place and fsync the directory."""
        final = self.resolve(relpath)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, final)
        dfd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        return final

    def exists(self, relpath: str) -> bool:
        return self.resolve(relpath).is_file()

    def delete(self, relpath: str) -> None:
        self.resolve(relpath).unlink(missing_ok=True)

    def iter_files(self, top: str) -> Iterator[str]:
        base = self.root / top
        if not base.is_dir():
            return
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                yield str(Path(dirpath, name).relative_to(self.root))

    def sweep(self, *, tops: Iterable[str], keep: set[str]) -> int:
        """Remove temp leftovers and files under `tops` that no row refers to (a crash's orphans)."""
        removed = 0
        if self.tmp_dir.is_dir():
            for leftover in self.tmp_dir.iterdir():
                leftover.unlink(missing_ok=True)
                removed += 1
        for top in tops:
            for rel in list(self.iter_files(top)):
                if rel not in keep:
                    (self.root / rel).unlink(missing_ok=True)
                    removed += 1
        return removed
