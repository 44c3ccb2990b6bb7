"""Where the queue lives and who takes from it: huey's own worker and scheduler, in this process or in
`encore worker` (huey's full consumer, on any node)."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer, Scheduler, Worker

from encore.jobs._engine import JobEngine

POLL_S, MAX_POLL_S = 0.05, 0.5  # an idle in-process worker looks again at most every half second


def make_huey(*, redis_url: str | None, prefix: str, data_dir: Path) -> Huey:
    """Redis when Encore shares state through Redis (any number of nodes); else a SQLite file beside the
    database (one node: `encore serve` and any `encore worker` on that machine share it)."""
    if redis_url:
        return RedisHuey(name=f"{prefix}jobs", url=redis_url, results=False, blocking=True, read_timeout=1)
    data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name="encore-jobs", filename=str(data_dir / "jobs.sqlite3"), results=False, timeout=10)


class InProcessWorkers:
    """Job workers inside `encore serve` (the embedded default): huey's Worker and Scheduler loops on
    threads, stopped by an event rather than signals (the web server owns the signals)."""

    def __init__(self, engine: JobEngine, *, workers: int = 1) -> None:
        self.engine = engine
        self.stop_flag = threading.Event()
        huey = engine.huey
        loops = [Worker(huey, self.stop_flag, POLL_S, MAX_POLL_S, 1.5) for _ in range(workers)]
        self._processes = [*loops, Scheduler(huey, self.stop_flag, 1, True)]
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.engine.reap()  # jobs a previous process left running
        for i, process in enumerate(self._processes):
            thread = threading.Thread(target=self._loop, args=(process,), name=f"encore-jobs-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _loop(self, process: Worker | Scheduler) -> None:
        process.initialize()
        while not self.stop_flag.is_set():
            process.loop()

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stop_flag.set()
        for thread in self._threads:
            thread.join(timeout_s)


def consumer(engine: JobEngine, *, workers: int) -> Consumer:
    """huey's consumer as `encore worker` runs it: threads, signals, periodic reaping."""
    engine.reap()
    return Consumer(engine.huey, workers=workers, worker_type="thread", max_delay=MAX_POLL_S)


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
