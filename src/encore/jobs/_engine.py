"""Background jobs on huey: the queue carries a job id, the `jobs` table is the truth about the job.

Why huey (see docs/design.md, the `jobs` row): one library with an embedded store (a SQLite file beside Encore's
database, so `make run` stays one command) and a Redis store for many workers and machines, retries with
a delay, periodic tasks, and a consumer that `encore worker` runs as is. What huey lacks is a lease: a
message taken by a worker that dies is gone. So the row carries one: a worker claims a job with a lease it
renews as it reports progress, and the reaper (a periodic task, and at every consumer start) puts back on
the queue any job whose lease lapsed or whose message was lost. A claim is one conditional UPDATE, so two
workers never start one queued job at once, and handlers are idempotent, so a re-run after a death completes it.

A worker that only stalled past its lease is still running when the job is claimed again. Every write an
attempt makes after its claim (progress, finish, requeue) is fenced on the attempt number it claimed
(`attempts` in the UPDATE's WHERE): the stalled attempt's next report is refused and raises Superseded, which
stops it, and its finish or requeue can never overwrite the newer attempt's (review24 F1).
"""

import json
import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from huey import Huey
from huey.api import TaskWrapper, crontab
from sqlalchemy import Select, and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from encore.db import transaction
from encore.jobs._context import JobContext, Superseded
from encore.jobs._models import Job
from encore.jobs._on_commit import on_commit
from encore.jobs._periodic import DatabaseOutage
from encore.kernel import Clock, EncoreError, NotFound, new_public_id
from encore.state import SharedState

log = logging.getLogger("encore.jobs")
Handler = Callable[[JobContext], dict[str, Any]]
LEASE_S = 60.0
MAX_ATTEMPTS = 3
RETRY_DELAY_S = 2
KEEP_FINISHED_FILES = timedelta(days=1)
MINUTELY_LEASE_S = 300.0  # a minutely task that runs longer lets the next one start


@dataclass(frozen=True)
class JobView:
    id: str
    kind: str
    state: str
    done: int
    total: int | None
    message: str | None
    result: dict[str, Any] | None
    error_code: str | None
    attempts: int
    created_at: datetime
    finished_at: datetime | None


def _view(job: Job) -> JobView:
    return JobView(
        id=job.public_id,
        kind=job.kind,
        state=job.state,
        done=job.done,
        total=job.total,
        message=job.message,
        result=json.loads(job.result) if job.result else None,
        error_code=job.error_code,
        attempts=job.attempts,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


class JobEngine:
    """Built once in bootstrap. Capabilities' handlers are registered there by kind ("history.import")."""

    def __init__(
        self,
        *,
        huey: Huey,
        sessions: sessionmaker[Session],
        clock: Clock,
        files_root: Path,
        lease_s: float = LEASE_S,
        state: SharedState | None = None,
    ) -> None:
        self.huey = huey
        self.state = state
        self.sessions = sessions
        self.clock = clock
        self.files_root = files_root
        self.lease_s = lease_s
        self._handlers: dict[str, Handler] = {}
        self._unlisted: set[str] = set()  # kinds kept from the listener's view (`register(listed=False)`)
        self.here: dict[str, Callable[[], object]] = {}  # `every_minute_here`
        self._run: TaskWrapper = huey.task(retries=MAX_ATTEMPTS - 1, retry_delay=RETRY_DELAY_S, name="encore.job")(
            self.execute
        )
        self.outage = DatabaseOutage(sessions)  # every periodic task's runs across a database outage
        huey.periodic_task(crontab(minute="*"), name="encore.reap")(self.outage.guard("encore.reap", self.reap))

    # --- registry and submission ---------------------------------------------------------------------
    def register(self, kind: str, handler: Handler, *, listed: bool = True) -> None:
        """`listed=False`: a record the server keeps for itself under a listener (an app's resume of a play they
        deleted), never among their jobs (`recent`, `get`); the operator's views still show it."""
        if kind in self._handlers:
            raise ValueError(f"job kind {kind!r} is registered twice")
        self._handlers[kind] = handler
        if not listed:
            self._unlisted.add(kind)

    def every_day(
        self, kind: str, *, key: str, hour: int, minute: int = 0, payload: dict[str, Any] | None = None
    ) -> None:
        """Submit `kind` once a day at hour:minute UTC (by huey's periodic task; a run still open is reused).
        One kind may be scheduled under several keys (a job split in parts, each part its own key)."""

        def submit() -> None:
            with transaction(self.sessions) as session:
                self.submit(session, kind=kind, key=key, payload=payload)

        name = f"encore.daily.{kind}" if payload is None else f"encore.daily.{kind}.{key}"
        self.huey.periodic_task(crontab(hour=str(hour), minute=str(minute)), name=name)(self.outage.guard(name, submit))

    def every_minute(self, name: str, task: Callable[[], object], *, state: SharedState) -> None:
        """Run `task` every minute on a worker (huey's periodic task): idempotent upkeep that needs no job row
        or progress (folding Wrapped's marked months). A failure is logged by huey; the next minute retries.

        Every consumer's scheduler enqueues a periodic task, so with N workers (and nodes) N copies arrive each
        minute: a lease on the shared state lets one run and the others return at once."""
        run = self.outage.guard(name, task)  # within the lease: a copy that returns at once asks nothing

        def once() -> None:
            lease = state.acquire(f"lease:minutely:{name}", limit=1, lease_s=MINUTELY_LEASE_S)
            if lease is None:
                return  # another worker runs this minute's
            try:
                run()
            finally:
                state.release(lease)

        self.huey.periodic_task(crontab(minute="*"), name=f"encore.minutely.{name}")(once)

    def every_minute_here(self, name: str, task: Callable[[], object]) -> None:
        """Run `task` every minute in each process that serves or takes jobs (`encore serve`, whatever its
        in-process workers, and `encore worker`), on a thread of its own, never through the queue: upkeep of what
        only this node holds (its spool of verified streams), which must run on every node, also while the queue's
        store is away."""
        self.here[name] = self.outage.guard(name, task)  # the database away: one line, as the queue's tasks

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    def folder(self, public_id: str) -> Path:
        return self.files_root / public_id

    def new_id(self) -> str:
        """A public id for a job about to be submitted (so an upload can be saved in its folder first)."""
        return new_public_id()

    def submit(
        self,
        session: Session,
        *,
        kind: str,
        key: str | None = None,
        user_id: int | None = None,
        payload: dict[str, Any] | None = None,
        public_id: str | None = None,
    ) -> JobView:
        """Add a job in the caller's transaction; it is queued when that transaction commits (never before,
        so a worker never looks for a row it cannot see, and a rolled-back request queues nothing).
        With a `key`, asking again while the same job is queued or running returns that job."""
        if kind not in self._handlers:
            raise ValueError(f"no job kind {kind!r}")
        public_id = public_id or new_public_id()
        if key is not None:
            open_job = self._open(session, kind, key)
            if open_job is not None:
                return _view(open_job)
        now = self.clock.now()
        job = Job(
            public_id=public_id, kind=kind, key=key or public_id, user_id=user_id, state="queued", attempts=0,
            done=0, payload=json.dumps(payload or {}), created_at=now, updated_at=now,
        )  # fmt: skip
        try:
            with session.begin_nested():
                session.add(job)
        except IntegrityError:  # the same key submitted at the same moment by another request
            existing = self._open(session, kind, key or public_id)
            if existing is None:
                raise
            return _view(existing)
        job_id = job.id
        on_commit(session, job, lambda: self._run(job_id))  # not at a savepoint's release (`_on_commit`)
        return _view(job)

    def _open(self, session: Session, kind: str, key: str) -> Job | None:
        return session.scalar(select(Job).where(Job.kind == kind, Job.key == key, Job.state.in_(("queued", "running"))))

    def get(self, session: Session, *, public_id: str, user_id: int | None) -> JobView:
        """A job, only to its owner (a job without an owner is an operator's, seen by nobody here)."""
        job = session.scalar(select(Job).where(Job.public_id == public_id[:22]))
        if job is None or job.user_id is None or job.user_id != user_id or job.kind in self._unlisted:
            raise NotFound("no such job", code="no_job")
        return _view(job)

    def inspect(self, session: Session, *, public_id: str) -> JobView:
        """A job by id, whoever's: the operator's view (`encore jobs show`), never a listener's."""
        job = session.scalar(select(Job).where(Job.public_id == public_id[:22]))
        if job is None:
            raise NotFound("no such job", code="no_job")
        return _view(job)

    def recent(self, session: Session, *, user_id: int, kinds: tuple[str, ...] = (), limit: int = 20) -> list[JobView]:
        """The listener's newest jobs, those of unlisted kinds left out (whatever `kinds` asks)."""
        query = select(Job).where(Job.user_id == user_id)
        if self._unlisted:
            query = query.where(Job.kind.not_in(sorted(self._unlisted)))
        return self._newest(session, query, kinds=kinds, limit=limit)

    def everyones(self, session: Session, *, kinds: tuple[str, ...] = (), limit: int = 20) -> list[JobView]:
        """The newest jobs, whoever's: the operator's view (`encore jobs list`), never a listener's."""
        return self._newest(session, select(Job), kinds=kinds, limit=limit)

    def _newest(self, session: Session, query: Select[Job], *, kinds: tuple[str, ...], limit: int) -> list[JobView]:
        if kinds:
            query = query.where(Job.kind.in_(kinds))
        return [_view(j) for j in session.scalars(query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit))]

    def drop(self, session: Session, *, public_ids: Iterable[str]) -> int:
        """Delete these jobs in the caller's transaction, each unless a worker is running it (it finishes, and the
        caller's next call drops it): a record replaced by a newer one that holds all it said. Their folders go
        now, so only records whose run writes no file are dropped (a rollback leaves the row, whose run makes its
        folder again). How many went."""
        ids = sorted(set(public_ids))
        if not ids:
            return 0
        gone = session.execute(delete(Job).where(Job.public_id.in_(ids), Job.state != "running"))
        for public_id in ids:
            shutil.rmtree(self.folder(public_id), ignore_errors=True)
        return int(gone.rowcount)  # type: ignore[attr-defined]

    # --- running -----------------------------------------------------------------------------------------
    def _claim(self, job_id: int) -> Job | None:
        now = self.clock.now()
        with transaction(self.sessions) as s:
            claimable = or_(Job.state == "queued", and_(Job.state == "running", Job.lease_until < now))
            claimed = s.execute(
                update(Job)
                .where(Job.id == job_id, claimable)
                .values(state="running", attempts=Job.attempts + 1, lease_until=now + self._lease, updated_at=now)
            )
            if claimed.rowcount == 0:  # type: ignore[attr-defined]
                return None
            return s.get(Job, job_id)

    @property
    def _lease(self) -> timedelta:
        return timedelta(seconds=self.lease_s)

    def _report(self, job_id: int, attempt: int) -> Callable[[int, int | None, str | None], None]:
        def report(done: int, total: int | None, message: str | None) -> None:
            now = self.clock.now()
            values: dict[str, Any] = {"done": done, "lease_until": now + self._lease, "updated_at": now}
            if total is not None:
                values["total"] = total
            if message is not None:
                values["message"] = message[:200]
            with transaction(self.sessions) as s:
                held = s.execute(update(Job).where(_held(job_id, attempt)).values(**values))
            if held.rowcount == 0:  # type: ignore[attr-defined]
                raise Superseded(f"job {job_id}: attempt {attempt} no longer holds it")

        return report

    def execute(self, job_id: int) -> None:
        """Run one job if it can be claimed (the huey task). A wrong input fails it for good; anything else
        puts it back on the queue for huey to retry, up to MAX_ATTEMPTS in all."""
        job = self._claim(job_id)
        if job is None:
            return
        attempt = job.attempts
        handler = self._handlers.get(job.kind)
        if handler is None:
            self._finish(job_id, attempt, "failed", error=("unknown_kind", f"no handler for {job.kind}"))
            return
        folder = self.folder(job.public_id)
        folder.mkdir(parents=True, exist_ok=True)
        context = JobContext(
            job_id=job.public_id, kind=job.kind, user_id=job.user_id, payload=json.loads(job.payload or "{}"),
            sessions=self.sessions, clock=self.clock, files=folder, attempt=attempt,
            _report=self._report(job_id, attempt), state=self.state, lease_s=self.lease_s,
        )  # fmt: skip
        try:
            result = handler(context)
        except Superseded:  # another attempt holds the job now: it alone finishes or requeues it
            log.warning("job %s (%s): attempt %d lost its lease and stopped", job.public_id, job.kind, attempt)
            return
        except EncoreError as exc:  # the input is wrong: retrying cannot help
            self._finish(job_id, attempt, "failed", error=(exc.code, exc.message))
            return
        except Exception:
            log.exception("job %s (%s) failed on attempt %d", job.public_id, job.kind, attempt)
            if attempt >= MAX_ATTEMPTS:
                self._finish(job_id, attempt, "failed", error=("internal", "the job failed; see the server log"))
                return
            with transaction(self.sessions) as s:
                requeued = s.execute(update(Job).where(_held(job_id, attempt)).values(state="queued", lease_until=None))
            if requeued.rowcount == 0:  # type: ignore[attr-defined]
                return  # superseded: the newer attempt's state stands, and no retry of this one
            raise  # huey schedules the retry
        self._finish(job_id, attempt, "done", result=result)

    def _finish(
        self,
        job_id: int,
        attempt: int,
        state: str,
        *,
        result: dict[str, Any] | None = None,
        error: tuple[str, str] | None = None,
    ) -> None:
        now = self.clock.now()
        values: dict[str, Any] = {"state": state, "finished_at": now, "updated_at": now, "lease_until": None}
        if result is not None:
            values["result"] = json.dumps(result, default=str)
        if error is not None:
            values["error_code"], values["message"] = error[0][:40], _fit(error[1], MESSAGE_CHARS)
        with transaction(self.sessions) as s:
            finished = s.execute(update(Job).where(_held(job_id, attempt)).values(**values))
        if finished.rowcount == 0:  # type: ignore[attr-defined]
            log.warning("job %d: attempt %d finished after losing its lease; its %s is dropped", job_id, attempt, state)

    def reap(self) -> int:
        """Queue again every job whose worker died (lease lapsed) or whose message was lost; drop the files of
        jobs finished long ago. Returns how many jobs were queued again."""
        now = self.clock.now()
        with self.sessions() as s:
            stale = list(
                s.scalars(
                    select(Job.id).where(
                        or_(
                            and_(Job.state == "running", Job.lease_until < now),
                            and_(Job.state == "queued", Job.updated_at < now - self._lease),
                        )
                    )
                )
            )
            old = list(
                s.scalars(
                    select(Job.public_id).where(
                        Job.finished_at.is_not(None), Job.finished_at < now - KEEP_FINISHED_FILES
                    )
                )
            )
        for job_id in stale:
            with transaction(self.sessions) as s:
                s.execute(update(Job).where(Job.id == job_id, Job.state == "queued").values(updated_at=now))
            self._run(job_id)
        for public_id in old:
            shutil.rmtree(self.folder(public_id), ignore_errors=True)
        return len(stale)


MESSAGE_CHARS = 200  # the column's size


def _held(job_id: int, attempt: int) -> Any:
    """The job, only while `attempt` is the one running it (a later claim moved `attempts` on)."""
    return and_(Job.id == job_id, Job.state == "running", Job.attempts == attempt)


def _fit(text: str, size: int) -> str:
    """`text` within `size` characters, its middle elided: a message names its file first and its reason
    last, and a 200-character file name left only the name."""
    if len(text) <= size:
        return text
    head = size // 3
    return text[:head] + "…" + text[-(size - head - 1) :]
