"""Which files an ingest run looks at: every regular file under the given paths; content decides.

Only hidden entries and images (covers live beside the audio) are passed over by name. Symlinks are
not followed, so a link cannot pull files from outside the tree into the catalogue; FIFOs, sockets
and devices are never opened.
"""

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from encore.ingest._artwork import FOLDER_EXTS

IMAGE_SUFFIXES = frozenset({*FOLDER_EXTS, ".gif", ".bmp", ".tif", ".tiff", ".heic", ".avif"})
COMPANION_SUFFIXES = IMAGE_SUFFIXES | {".lrc"}  # read beside the audio (artwork, lyrics), never imported alone


def _is_companion(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in COMPANION_SUFFIXES


def _walk(root: str) -> Iterator[tuple[str, os.stat_result]]:
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue  # unreadable folder: nothing in it can be imported
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                subdirs.append(entry.path)
            elif not _is_companion(entry.name) and entry.is_file(follow_symlinks=False):
                yield entry.path, entry.stat(follow_symlinks=False)
        stack.extend(reversed(subdirs))


def scan(paths: Sequence[Path]) -> Iterator[tuple[str, os.stat_result]]:
    """(absolute path, lstat) of each candidate file, in a stable order."""
    for given in paths:
        root = given.resolve()
        try:
            st = root.stat()
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            yield str(root), st  # named explicitly: taken whatever its name
        elif stat.S_ISDIR(st.st_mode):
            yield from _walk(str(root))
