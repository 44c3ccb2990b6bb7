"""One demo builder at a time per library: an exclusive `flock` on `.build.lock` beside the progress file.

The kernel drops the lock when the last descriptor holding it closes, however its process ended (SIGKILL
included), so "a builder is running here" is exactly "someone holds the lock": the progress endpoint asks that
to tell a build in progress from one that stopped half way. `encore serve --build-demo` takes the lock for the
first album and hands the same open descriptor to its background child, so the lock is never free between
the two (home would otherwise read a just-started build as stopped).
"""

import fcntl
import os
from pathlib import Path
from typing import TextIO

LOCK_FILE = ".build.lock"  # hidden: ingest's scan passes over dot files


def _open(library: Path) -> TextIO:
    library.mkdir(parents=True, exist_ok=True)
    return open(library / LOCK_FILE, "a")  # the caller holds it as long as the build runs


def try_build_lock(library: Path) -> TextIO | None:
    """The held lock, or None at once when another builder holds it (no waiting)."""
    lock = _open(library)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def wait_build_lock(library: Path) -> TextIO:
    """The held lock, after waiting for whoever holds it now."""
    lock = _open(library)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
    except BaseException:
        lock.close()
        raise
    return lock


def adopt_build_lock(fd: int, library: Path) -> TextIO | None:
    """The lock a parent handed down as descriptor `fd` (held already: flock on the same open file succeeds),
    or None when `fd` is not this library's lock file or does not hold it (then the caller waits for the lock
    like anyone else)."""
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(library / LOCK_FILE))
    except OSError:
        return None
    if not same:
        return None
    lock = os.fdopen(fd, "a")
    os.set_inheritable(fd, False)  # this process's own children must not keep the build "running"
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return None
    return lock


def builder_running(library: Path) -> bool:
    """Whether some process holds the library's build lock now (a read: it creates nothing)."""
    try:
        fd = os.open(library / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
