"""What a job handler is given: its input, a way to report progress, and sessions for short transactions."""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from encore.db import error_line, is_busy, is_unreachable
from encore.kernel import Clock
from encore.state import SharedState

# (done, total or None, message or None) -> None; written in its own short transaction
Report = Callable[[int, int | None, str | None], None]
PROGRESS_EVERY_S = 0.25
PROGRESS_STEPS = 50  # with a known total, at most one report per 2% of it: a loaded machine must not write more
PROGRESS_KEEP_S = 10.0  # but one at least this often, whatever the work done: each report renews the lease
LEASES_PER_KEEP = 3  # and at least three times per lease, however short the engine's lease is set

log = logging.getLogger("encore.jobs")


class Superseded(Exception):
    """This attempt no longer holds its job: its lease lapsed and another attempt claimed the job, or that one
    already finished it. Raised by a progress report, so the handler stops where it is (its open transaction
    rolls back) and writes nothing more; the engine drops it without requeuing (review24 F1)."""


@dataclass
class JobContext:
    """A handler must be idempotent: run twice (a retry, a re-run after a dead worker) it changes nothing more."""

    job_id: str  # public id
    kind: str
    user_id: int | None
    payload: dict[str, Any]
    sessions: sessionmaker[Session]
    clock: Clock
    files: Path  # this job's own folder: its input (an upload) and its output (an export)
    attempt: int
    _report: Report
    _last: float = field(default=0.0)
    _done: int = field(default=0)
    state: SharedState | None = None  # the server's shared state, for what a job must clear there too
    lease_s: float = 60.0  # the engine's lease: a report at least every third of it keeps the job this attempt's

    @property
    def _keep_s(self) -> float:
        return min(PROGRESS_KEEP_S, self.lease_s / LEASES_PER_KEEP)

    def progress(self, done: int, total: int | None = None, message: str | None = None, *, force: bool = False) -> None:
        """Tell the player how far the job got (and keep its lease); cheap to call often."""
        now = time.monotonic()
        since = now - self._last
        step = total is None or abs(done - self._done) * PROGRESS_STEPS >= total
        if force or since >= self._keep_s or (since >= PROGRESS_EVERY_S and step):
            self._last, self._done = now, done
            self._report(done, total, message)

    @contextmanager
    def keep_lease(self) -> Iterator[None]:
        """Renew the lease from a timer thread while the block works without reporting (one long transaction,
        a computation). Leaving the block waits for a renewal under way, then raises Superseded if the lease
        was lost meanwhile. Enter it before a transaction that writes, not inside one: on SQLite a renewal waits
        for that transaction's write lock, and leaving this block inside it would wait on itself."""
        stop, lost = threading.Event(), threading.Event()

        def renew() -> None:
            away = False  # the database is unreachable or busy: said once, on one line, until a renewal works
            while not stop.wait(self._keep_s):
                try:
                    self._report(self._done, None, None)
                    away = False
                except Superseded:
                    lost.set()
                    return
                except Exception as exc:  # the next beat tries again
                    if not (is_unreachable(exc) or is_busy(exc)):
                        log.warning("job %s: a lease renewal failed; retrying", self.job_id, exc_info=True)
                        continue
                    if not away:  # an outage is one line, not a traceback every beat (review24n N4)
                        log.warning("job %s: a lease renewal failed; retrying: %s", self.job_id, error_line(exc))
                    away = True

        beat = threading.Thread(target=renew, name=f"lease-{self.job_id}", daemon=True)
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join()
        if lost.is_set():
            raise Superseded(f"job {self.job_id}: attempt {self.attempt} lost its lease")
