"""Periodic tasks (the reaper, the daily submissions, the minutely upkeep) across a database outage: one line
when a run finds the database away, one when it answers again, and no traceback in between (probe24a F2: a
5-second PostgreSQL outage wrote three ~120-line "Unhandled exception in task" tracebacks, and each minute of a
longer one would add more). The queue's own store going away is `_consume.QueueOutage`, on the same terms."""

import functools
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from encore.db import error_line, is_unreachable

log = logging.getLogger("encore.jobs")


def _unreachable(exc: BaseException | None) -> bool:
    """The database could not be reached, whether a task raised the driver's error or one made from it."""
    while exc is not None:
        if is_unreachable(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class DatabaseOutage:
    """Shared by every periodic task of a process (the engine's). While the database is away, each run first
    asks it a trivial query and returns at once if it still does not answer: the run is skipped, quietly, and
    the task's next run (a minute, or a day, later) tries again. Tasks are idempotent, so a skipped run loses
    nothing. Any other error of a task is huey's line with its traceback, as before."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._since: float | None = None
        self._skipped = 0

    def guard(self, name: str, task: Callable[[], object]) -> Callable[[], object]:
        @functools.wraps(task)  # huey names a task by its function's module: a queued one keeps its name
        def run() -> object:
            if self._since is not None and not self._answers():
                return None
            try:
                return task()
            except Exception as exc:
                if not _unreachable(exc):
                    raise
                self._went(name, exc)
                return None

        return run

    def _went(self, name: str, exc: BaseException) -> None:
        with self._lock:
            self._skipped += 1
            if self._since is not None:
                return
            self._since, self._skipped = time.monotonic(), 1
        log.warning(
            "database unreachable (%s); periodic tasks skip their runs until it answers (first: %s)",
            error_line(exc),
            name,
        )

    def _answers(self) -> bool:
        """The database answers now (then the outage's end is said, once); False while it is still away."""
        try:
            with self._sessions() as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:
            if not _unreachable(exc):
                raise
            with self._lock:
                self._skipped += 1
            return False
        with self._lock:
            since, self._since = self._since, None
            skipped = self._skipped
        if since is not None:
            log.warning(
                "database reachable again after %.0f s; periodic tasks run again (%d run%s skipped)",
                time.monotonic() - since,
                skipped,
                "" if skipped == 1 else "s",
            )
        return True
