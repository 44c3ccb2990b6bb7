"""Several moves let go at the same moment, each in its own thread and transaction (claims that must happen once)."""

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.db import is_busy, transaction
from encore.kernel import NotFound, ValidationFailed


def meet(window: threading.Barrier, timeout: float = 3.0) -> None:
    """Hold a race's window open: wait here, between the read that decides and the write, until every racer has
    read. Under a fix's lock a racer is held back before its read and never comes; the racers that did go on
    after `timeout` (the barrier breaks, and whoever reaches it later passes at once)."""
    with contextlib.suppress(threading.BrokenBarrierError):
        window.wait(timeout)


class Window:
    """`meet` for racers on PostgreSQL that may be held by a lock: a racer that has read waits until every racer
    has read, or until a racer is seen waiting for a lock (pg_stat_activity), or `timeout`. A racer waiting for a
    lock cannot read before the holder ends its transaction, so waiting on for `timeout` changes nothing but the
    time: the outcome is the one the plain barrier's timeout gave. With no lock taken, every racer reads and the
    window opens at once, as `meet`'s does. (On SQLite the wait is inside SQLite's busy handler, which no query
    sees: there it is `meet`'s timeout.)"""

    def __init__(self, parties: int, held: Callable[[], bool], timeout: float = 3.0) -> None:
        self.parties, self.held, self.timeout = parties, held, timeout
        self.arrived, self.lock, self.all_in = 0, threading.Lock(), threading.Event()

    def meet(self) -> None:
        with self.lock:
            self.arrived += 1
            if self.arrived >= self.parties:
                self.all_in.set()
        deadline = time.monotonic() + self.timeout
        while not self.all_in.wait(0.05):
            if self.held() or time.monotonic() > deadline:
                return


@contextmanager
def lock_waits(container: Container) -> Iterator[Callable[[], bool]]:
    """Whether any session of the container's PostgreSQL database is waiting for a lock now (asked on a
    connection of its own, outside the racers' pool); always False on SQLite."""
    from encore.db import create_db_engine

    url = container.settings.resolved_database_url
    if not url.startswith("postgresql"):
        yield lambda: False
        return
    engine = create_db_engine(url, pool_size=1, pool_overflow=0)
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )

    def waiting() -> bool:
        with engine.connect() as conn:
            return bool(conn.scalar(query))

    try:
        yield waiting
    finally:
        engine.dispose()


def race(container: Container, moves: list[Callable[[Session], str]]) -> list[str]:
    """Run each move in its own thread and transaction, all let go at once; a busy database is retried, as a
    request's edge retries it. Returns each move's outcome (or the error it raised)."""
    start = threading.Barrier(len(moves))
    outcomes: list[str] = []

    def run(move: Callable[[Session], str]) -> None:
        start.wait()
        for _attempt in range(20):
            try:
                with transaction(container.sessions) as s:
                    outcome = move(s)
                outcomes.append(outcome)
                return
            except NotFound:
                outcomes.append("refused")
                return
            except Exception as exc:
                if not is_busy(exc):
                    outcomes.append(f"error {exc!r}")
                    return

    threads = [threading.Thread(target=run, args=(m,)) for m in moves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(outcomes)


def claiming(claim: Callable[[Session], object], done: str = "created") -> Callable[[Session], str]:
    """A racer that makes one claim (a place under a limit, say): `done`, or the code of the refusal."""

    def move(s: Session) -> str:
        try:
            claim(s)
        except ValidationFailed as exc:
            return str(exc.code)
        return done

    return move


def flock_waited(path: Path) -> bool:
    """Whether some process or thread is blocked now waiting for a flock on `path` (the kernel's `/proc/locks` lists
    each waiter as `->`): a racer held back by a lock file, seen without waiting for a time."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return False  # nobody has opened it, so nobody waits on it
    inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and "FLOCK" in fields and inode in fields:
            return True
    return False
