"""Group commit for listens: submissions that arrive together share one write transaction.

SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps (busy_timeout's
back-off), so fifty scrobblers each committing their own `single` spent their time waiting and
committing (issue #17). Each process has one writer thread: it takes everything queued since its last
commit, writes it in one transaction and answers each submission with its own count, after the commit.
Nothing is kept here between batches (the database stays the authority), so every process and node runs
its own writer and no state needs sharing.

A submission is any job on the batch's session (`run`): the ListenBrainz face checks the listener's token
in the batch that stores their listens, so a token revoked before the batch started stores nothing.
Small submissions queue their rows (`history.queue_listens`) and the writer stores a batch's queued rows
in one statement before the commit. Every job's answer is given only after its batch committed: an
acknowledged listen is in the database.
"""

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from encore.db import is_busy, transaction
from encore.history._capture import write_queued

MAX_BATCH = 5_000  # listens per group transaction: a few tens of milliseconds of SQLite's write lock
WAIT_S = 60.0
T = TypeVar("T")


@dataclass
class _Pending:
    job: Callable[[Session], Any]
    size: int  # listens it writes, for the batch's bound
    done: Future[Any] = field(default_factory=Future)


class ListenWriter:
    """Built once per process (bootstrap.py); its thread starts on the first submission in each process
    (so a server that forks its workers after building gets one writer per worker, not a dead one)."""

    def __init__(self, sessions: sessionmaker[Session], *, max_batch: int = MAX_BATCH) -> None:
        self._sessions, self._max = sessions, max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def run(self, job: Callable[[Session], T], *, size: int = 1) -> "Future[T]":
        """Run `job` in the next group transaction; its future holds the job's answer once that committed,
        or the exception it (or the commit) raised. A job may run twice (alone, after a batch failed
        because of another job), so it does nothing but database work on the session it is given."""
        pending = _Pending(job, size)
        self._ensure_running()
        self._queue.put(pending)
        return pending.done

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
            batch, size = [first], first.size
            while size < self._max:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
                size += more.size
            # a submission its caller gave up on (a timed-out wait cancels its future) is not written
            batch = [p for p in batch if p.done.set_running_or_notify_cancel()]
            if batch:
                self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with transaction(self._sessions) as session:
                answers = [p.job(session) for p in batch]
                write_queued(session)
        except Exception as exc:  # handed to the waiting request, which answers it
            if len(batch) == 1 or is_busy(exc):  # busy: each alone would wait out the lock again (503s)
                for pending in batch:
                    pending.done.set_exception(exc)
                return
            for pending in batch:  # one failing submission must not fail the others: each alone
                self._write([pending])
            return
        for pending, answer in zip(batch, answers, strict=True):
            pending.done.set_result(answer)
