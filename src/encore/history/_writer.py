"""Group commit for listens: submissions that arrive together share one write transaction.

SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps (busy_timeout's
back-off), so fifty scrobblers each committing their own `single` spent their time waiting and
committing (issue #17). Each process has one writer thread: it takes everything queued since its last
commit, writes it in one transaction and answers each submission with its own count, after the commit.
Nothing is kept here between batches (the database stays the authority), so every process and node runs
its own writer and no state needs sharing.
"""

import os
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from encore.db import transaction
from encore.history._listens import ListenIn, submit_listens

MAX_BATCH = 5_000  # listens per group transaction: a few tens of milliseconds of SQLite's write lock
WAIT_S = 60.0


@dataclass
class _Pending:
    user_id: int
    listens: Sequence[ListenIn]
    source: str
    now: datetime
    done: Future[int] = field(default_factory=Future)


class ListenWriter:
    """Built once per process (bootstrap.py); its thread starts on the first submission in each process
    (so a server that forks its workers after building gets one writer per worker, not a dead one)."""

    def __init__(self, sessions: sessionmaker[Session], *, max_batch: int = MAX_BATCH) -> None:
        self._sessions, self._max = sessions, max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, *, user_id: int, listens: Sequence[ListenIn], source: str, now: datetime) -> int:
        """Store new listens (as history.submit_listens) once committed; returns how many were new."""
        pending = _Pending(user_id, listens, source, now)
        self._ensure_running()
        self._queue.put(pending)
        return pending.done.result(timeout=WAIT_S)

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and self._pid == os.getpid():
            self._queue.put(None)
            thread.join(timeout=WAIT_S)

    def _ensure_running(self) -> None:
        with self._lock:
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="encore-listen-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, size = [first], len(first.listens)
            while size < self._max:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
                size += len(more.listens)
            self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with transaction(self._sessions) as session:
                counts = [
                    submit_listens(session, user_id=p.user_id, listens=p.listens, source=p.source, now=p.now)
                    for p in batch
                ]
        except Exception as exc:  # handed to the waiting request, which answers it
            if len(batch) == 1:
                batch[0].done.set_exception(exc)
                return
            for pending in batch:  # one failing submission must not fail the others: each alone
                self._write([pending])
            return
        for pending, count in zip(batch, counts, strict=True):
            pending.done.set_result(count)
