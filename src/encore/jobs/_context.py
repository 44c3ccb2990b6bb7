"""What a job handler is given: its input, a way to report progress, and sessions for short transactions."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from encore.kernel import Clock
from encore.state import SharedState

# (done, total or None, message or None) -> None; written in its own short transaction
Report = Callable[[int, int | None, str | None], None]
PROGRESS_EVERY_S = 0.25
PROGRESS_STEPS = 50  # with a known total, at most one report per 2% of it: a loaded machine must not write more
PROGRESS_KEEP_S = 10.0  # but one at least this often, whatever the work done: each report renews the lease


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

    def progress(self, done: int, total: int | None = None, message: str | None = None, *, force: bool = False) -> None:
        """Tell the player how far the job got (and keep its lease); cheap to call often."""
        now = time.monotonic()
        since = now - self._last
        step = total is None or abs(done - self._done) * PROGRESS_STEPS >= total
        if force or since >= PROGRESS_KEEP_S or (since >= PROGRESS_EVERY_S and step):
            self._last, self._done = now, done
            self._report(done, total, message)
