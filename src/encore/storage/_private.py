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


# What Encore makes owner-only in the data directory (bootstrap `_private_parts`), and SQLite's files beside its
# databases (they take the database's mode when SQLite makes them, so an old database's are as open as it).
_PRIVATE_FILES = tuple(f"{db}{end}" for db in ("encore.db", "jobs.sqlite3") for end in ("", "-wal", "-shm"))
_PRIVATE_DIRS = ("jobs", "outbox", "cache")


def open_to_others(data_dir: Path) -> list[tuple[Path, int]]:
    """The private parts of `data_dir` that other users of the machine may read (or enter, or write), each with the
    mode Encore gives it when it makes it; none on an install made since (probe25b M3). Such a part was made
    before Encore set modes, under the umask (022: world-readable): password hashes, sessions and everyone's
    listening open to any local account. (The data directory itself only lists names: not asked here.)"""
    wanted = [(data_dir / name, PRIVATE_FILE) for name in _PRIVATE_FILES]
    wanted += [(data_dir / name, PRIVATE_DIR) for name in _PRIVATE_DIRS]
    found = []
    for path, mode in wanted:
        try:
            held = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if held & 0o007:
            found.append((path, mode))
    return found
