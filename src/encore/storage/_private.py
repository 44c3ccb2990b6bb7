"""What only Encore's own user may read, made so whatever the umask (probe25b M3: under Debian's umask 022 the
database, with its password hashes, sessions and everyone's listening, was world-readable). Applied when a path is
made; an existing one is left as its operator set it."""

import os
from pathlib import Path

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
# The data directory itself: anyone may pass through it to `media/` (nginx's workers serve the audio from it in
# edge mode, as their own user) but not list it; everything private in it is owner-only on its own (review25o M3:
# 0750 made a fresh edge install answer 403 for every Premium file).
DATA_DIR = 0o751


def made_dir(path: Path, mode: int = PRIVATE_DIR) -> None:
    """`path` as a directory; when this call makes it, with exactly `mode` (mkdir's mode passes through the umask)."""
    try:
        path.mkdir(mode=mode)
    except FileExistsError:
        return
    except FileNotFoundError:  # its parent first, with the umask's mode
        path.parent.mkdir(parents=True, exist_ok=True)
        made_dir(path, mode)
        return
    os.chmod(path, mode)


def made_file(path: Path) -> None:
    """`path` as an empty file readable by its owner only, unless it exists (an empty file is an empty SQLite
    database: SQLite keeps its mode, and gives its -wal and -shm files the same)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.fchmod(fd, PRIVATE_FILE)
    os.close(fd)
