"""Where the queue lives and who takes from it: huey's own worker and scheduler, in this process or in
`encore worker` (huey's full consumer, on any node)."""

import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer, Scheduler, Worker

from encore.jobs._engine import JobEngine

POLL_S, MAX_POLL_S = 0.05, 0.5  # an idle in-process worker looks again at most every half second
FIRST_RETRY_S, LAST_RETRY_S = 1.0, 60.0  # while the queue's store is down: tries 1, 2, 4 ... 60 s apart

log = logging.getLogger("encore.jobs")
# The queue's store not answering: Redis unreachable or timing out, or the SQLite file locked past its wait or
# unreadable. Only these are an outage (one line, growing pauses); any other error is its own line (huey's).
STORE_DOWN = (redis.ConnectionError, redis.TimeoutError, sqlite3.OperationalError)


class QueueOutage:
    """The queue's store (Redis, or the SQLite file) stopped answering: one warning when it goes, one line when
    it is back, and growing pauses between tries in between. huey itself printed a traceback at every poll,
    about 160 lines a second per node (probe21b F3), drowning every other line. Shared by a process's loops."""

    def __init__(self, *, first_s: float = FIRST_RETRY_S, last_s: float = LAST_RETRY_S) -> None:
        self._first, self._last = first_s, last_s
        self._lock = threading.Lock()
        self._since: float | None = None
        self._pause = first_s

    def failed(self, exc: Exception) -> float:
        """Record a failed try; the seconds to wait before the next one."""
        with self._lock:
            if self._since is None:
                self._since, self._pause = time.monotonic(), self._first
                log.warning(
                    "job queue unavailable (%s: %s); jobs wait, retrying every %.0f to %.0f s",
                    type(exc).__name__,
                    exc,
                    self._first,
                    self._last,
                )
            pause, self._pause = self._pause, min(self._pause * 2, self._last)
            return pause

    def answered(self) -> None:
        if self._since is None:  # the common case, without the lock
            return
        with self._lock:
            if self._since is not None:
                log.warning("job queue reachable again after %.0f s", time.monotonic() - self._since)
                self._since = None

    @property
    def down(self) -> bool:
        return self._since is not None


class _Worker(Worker):  # type: ignore[misc]  # huey ships no types
    """huey's worker, with a store that does not answer as one outage rather than a traceback per poll."""

    def __init__(self, huey: Huey, stop_flag: threading.Event, outage: QueueOutage, *delays: float) -> None:
        super().__init__(huey, stop_flag, *delays)
        self.outage = outage

    def loop(self, now: datetime | None = None) -> None:
        try:
            task = self.huey.dequeue()
        except STORE_DOWN as exc:
            self.stop_flag.wait(self.outage.failed(exc))
            return
        except Exception:  # the store answered: a task a new release no longer has, say (huey drops it)
            self.outage.answered()
            self._logger.exception("Error reading from queue")  # huey's own line and pause
            self.sleep()
            return
        self.outage.answered()
        if task is not None:
            self.delay = self.default_delay
            try:
                self.huey.execute(task, now)
            except Exception:  # a job's own failure: huey's line, as before
                self._logger.exception("Unhandled error during execution of task %s.", task.id)
        elif not self.huey.storage.blocking:
            self.sleep()


class _Scheduler(Scheduler):  # type: ignore[misc]
    """huey's scheduler (delayed retries, periodic tasks) on the same terms. While the store is down it leaves
    the tries to the workers, whose next answer ends the outage."""

    def __init__(self, huey: Huey, stop_flag: threading.Event, outage: QueueOutage) -> None:
        super().__init__(huey, stop_flag, 1, True)
        self.outage = outage

    def loop(self, now: datetime | None = None) -> None:
        if self.outage.down:
            self.stop_flag.wait(FIRST_RETRY_S)
            return
        started = time.monotonic()
        try:
            self._enqueue_due(now)
        except STORE_DOWN as exc:  # as in _Worker.loop
            self.stop_flag.wait(self.outage.failed(exc))
            return
        self.sleep_for_interval(started, self.interval)

    def _enqueue_due(self, now: datetime | None) -> None:
        """huey's own steps: the delayed tasks now due, then the periodic ones once a minute. Any error but the
        store's (a periodic task's schedule that raises, a task that cannot be enqueued) is logged with its
        traceback and the loop goes on, as huey's own scheduler does with such a task (review21c: it was reported
        as the queue being down, and the next dequeue as the queue back); the store's error ends the pass."""
        try:
            due = self.huey.read_schedule(now)
        except STORE_DOWN:
            raise
        except Exception:
            self._logger.exception("Error reading schedule.")
            due = []
        for task in due:
            self._enqueue(task, "Error enqueueing %s.")
        if self._next_periodic <= time.monotonic():
            while self._next_periodic <= time.monotonic():  # a stall's missed minutes are skipped, as huey does
                self._next_periodic += self.periodic_task_seconds
            try:
                periodic = self.huey.read_periodic(now)
            except Exception:  # read from the task registry, not the store: a periodic task's own schedule
                self._logger.exception("Error reading periodic tasks.")
                periodic = []
            for task in periodic:
                self._enqueue(task, "Error enqueueing periodic task %s.")

    def _enqueue(self, task: object, failed: str) -> None:
        try:
            self.huey.enqueue(task)
        except STORE_DOWN:
            raise
        except Exception:
            self._logger.exception(failed, task)


class NodeMinutely:
    """The engine's `every_minute_here` tasks, on one thread of this process: at start, then every minute."""

    def __init__(self, engine: JobEngine, stop_flag: threading.Event) -> None:
        self.tasks, self.stop_flag = dict(engine.here), stop_flag
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.tasks:
            self._thread = threading.Thread(target=self._loop, name="encore-node-minutely", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            for name, task in self.tasks.items():
                try:
                    task()
                except Exception:
                    log.exception("this node's minutely task %s failed; it runs again in a minute", name)
            if self.stop_flag.wait(60):
                return

    def join(self, timeout_s: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)


class _Consumer(Consumer):  # type: ignore[misc]
    """huey's full consumer (`encore worker`) with the loops above, and this node's minutely tasks."""

    def __init__(self, huey: Huey, here: JobEngine, **options: object) -> None:
        self.outage = QueueOutage()  # before huey's __init__, which makes the loops
        super().__init__(huey, **options)
        self.here = NodeMinutely(here, self.stop_flag)

    def start(self) -> None:
        super().start()
        self.here.start()

    def stop(self, graceful: bool = False) -> None:
        super().stop(graceful)
        self.here.join(10.0)

    def _create_worker(self) -> _Worker:
        return _Worker(self.huey, self.stop_flag, self.outage, self.default_delay, self.max_delay, self.backoff)

    def _create_scheduler(self) -> _Scheduler:
        return _Scheduler(self.huey, self.stop_flag, self.outage)


def make_huey(*, redis_url: str | None, prefix: str, data_dir: Path) -> Huey:
    """Redis when Encore shares state through Redis (any number of nodes); else a SQLite file beside the
    database (one node: `encore serve` and any `encore worker` on that machine share it)."""
    if redis_url:
        return RedisHuey(name=f"{prefix}jobs", url=redis_url, results=False, blocking=True, read_timeout=1)
    data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name="encore-jobs", filename=str(data_dir / "jobs.sqlite3"), results=False, timeout=10)


class InProcessWorkers:
    """Job workers inside `encore serve` (the embedded default): huey's Worker and Scheduler loops on
    threads, stopped by an event rather than signals (the web server owns the signals). With `workers=0` (the
    queue is taken by `encore worker`s, `ENCORE_JOBS_IN_PROCESS=0`) only this node's minutely tasks run: no other
    machine can drain the verified streams this node's spool kept (review24m F2)."""

    def __init__(self, engine: JobEngine, *, workers: int = 1) -> None:
        self.engine = engine
        self.stop_flag = threading.Event()
        huey, self.outage = engine.huey, QueueOutage()
        loops = [_Worker(huey, self.stop_flag, self.outage, POLL_S, MAX_POLL_S, 1.5) for _ in range(workers)]
        self._processes: list[Worker | Scheduler] = (
            [*loops, _Scheduler(huey, self.stop_flag, self.outage)] if workers else []
        )
        self._threads: list[threading.Thread] = []
        self.here = NodeMinutely(engine, self.stop_flag)

    def start(self) -> None:
        if self._processes:
            self.engine.reap()  # jobs a previous process left running (the workers that take the queue do it)
        for i, process in enumerate(self._processes):
            thread = threading.Thread(target=self._loop, args=(process,), name=f"encore-jobs-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self.here.start()

    def _loop(self, process: Worker | Scheduler) -> None:
        process.initialize()
        while not self.stop_flag.is_set():
            process.loop()

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stop_flag.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self.here.join(timeout_s)


def consumer(engine: JobEngine, *, workers: int) -> Consumer:
    """huey's consumer as `encore worker` runs it: threads, signals, periodic reaping."""
    engine.reap()
    return _Consumer(engine.huey, engine, workers=workers, worker_type="thread", max_delay=MAX_POLL_S)


def drain(engine: JobEngine, *, include_retries: bool = True, limit: int = 10_000) -> int:
    """Run every queued job now, in this thread, until the queue is empty (tests and one-shot commands).
    With `include_retries`, retries scheduled for later are run too: the clock given to huey moves on an
    hour each time the queue runs dry."""
    ran = 0
    huey = engine.huey
    at = datetime.now(UTC).replace(tzinfo=None)  # huey keeps naive UTC times
    while ran < limit:
        task = huey.dequeue()
        if task is None and include_retries:
            at += timedelta(hours=1)
            for scheduled in huey.read_schedule(at):
                huey.enqueue(scheduled)
            task = huey.dequeue()
        if task is None:
            break
        huey.execute(task, at)
        ran += 1
    return ran
