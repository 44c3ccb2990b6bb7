"""Files enter the store only under names the server makes, via temp file + fsync + rename.

Callers never pass a user-supplied name here: `relpath`s are built by Encore from hashes and
rendition kinds, and `resolve` still refuses anything that would leave the root.
"""

import fcntl
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from encore.kernel import EncoreError

_SAFE_REL = re.compile(r"^[a-z0-9]+(?:/[A-Za-z0-9._-]+)+$")
HOLD_FILE = ".ingest.lock"  # its old name: a process of the version before, and `encore demo`'s test, know it


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

    @contextmanager
    def writing(self, *, sweep: Callable[[], object] | None = None) -> Iterator[None]:
        """Held (shared) for as long as files this process put in the store are not named by a committed row yet
        (an ingest run's, a label's new cover until its album row commits) or sit in `.tmp/`: no sweep runs
        meanwhile, as a sweep removes exactly those (review26c L4: an ingest run's sweep deleted a cover in flight).
        `sweep`, when given, runs first if nobody else holds the store (exclusive, not waited for: with a writer
        under way the sweep is left to a later caller, and writers go on side by side); a hold waits only for a
        sweep under way. A lock, not an age: the kernel lets go of a flock when its process dies, so a killed
        writer's files are orphans for the very next sweep, and a slow writer's files are never taken for one."""
        self.ensure()
        with open(self.root / HOLD_FILE, "w") as lock:
            if sweep is not None:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    pass  # another writer is under way (or sweeping: the shared hold below waits for it)
                else:
                    sweep()
            fcntl.flock(lock, fcntl.LOCK_SH)
            yield

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
        """Remove temp leftovers and files under `tops` that no row refers to (a crash's orphans). Only as
        `writing`'s `sweep`: every writer's files in flight are held by it."""
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
