"""The rows an import's check pass built, kept on disk until its write pass: a file beside the upload.

Rows are plain values (history.ImportRow: text and integers), written in marshalled blocks, so the import
holds one block in memory instead of the whole file's listens (a 100k-row history held ~100 MB as
objects), and the write pass parses nothing again whatever the file's size. The file is this process's
own, written and read within one import, and is deleted when the import ends, however it ends.
"""

import marshal
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, cast

from encore import history

BLOCK = 1_000  # rows per marshalled block (~300 KB), each written with its length first


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._block: list[history.ImportRow] = []
        self._out: IO[bytes] | None = path.open("wb")

    def add(self, row: history.ImportRow) -> None:
        self._block.append(row)
        self.rows += 1
        if len(self._block) >= BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self._block and self._out is not None:
            data = marshal.dumps(self._block)
            self._out.write(len(data).to_bytes(4, "little") + data)
            self._block = []

    def read(self) -> Iterator[history.ImportRow]:
        """Every row added, in order (once adding is over)."""
        self._flush()
        if self._out is not None:
            self._out.close()
            self._out = None
        with self.path.open("rb") as f:
            while head := f.read(4):
                # marshal.loads of the whole block: marshal.load(f) reads a file object piece by piece
                # (one call per string), which made reading the rows back ~10x slower
                # S302: the file is this import's own, written above in this process, never an upload
                block = marshal.loads(f.read(int.from_bytes(head, "little")))  # noqa: S302
                yield from cast(list[history.ImportRow], block)

    def __enter__(self) -> "Spool":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._out is not None:
            self._out.close()
        self.path.unlink(missing_ok=True)
