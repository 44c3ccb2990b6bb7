"""Sign out everywhere, by generation: every credential (session, device, OAuth token, listen token)
carries the generation it was issued under, and counts only while that is at least its account's
`signed_out_epoch` and the server's `everyone_from`. Signing out is then one write, and every credential
check (one clause in the query it already runs) refuses what came before, at the very next request.

Generations come from one counter (`auth_epochs.current`), bumped by each sign-out, so a credential
issued after a sign-out carries a number at least as large and stays good.

Signed stream URLs carry their generation too (`g`), but the byte path is too hot for a database read:
`StreamCutoffs` publishes each sign-out's generation on the shared-state port once its transaction commits
(never before: a sign-out rolled back must refuse nothing), and the byte path asks it once per request (`alive`:
one script run), so a revoked account's URLs stop at once instead of at their expiry. Each worker keeps
`alive`'s answers (`SharedState.arun_kept`) until a cutoff is written by anyone: Redis reports the write to every
worker's watch connection before it answers the sign-out's own write, and a worker polls that connection before
it uses a kept answer, so "at once" still means the next request on any worker once the sign-out was answered
(`encore.state._watch` says exactly when, and what happens while that connection is down: every request asks
Redis again).

Without Redis the state is each process's own, so a sign-out made by another process (`encore user disable`,
`encore security sign-out` beside a running embedded server) would never reach the server's byte path (review22
F1). Each cutoff is therefore also a `stream_cutoffs` row, written in the sign-out's own transaction, and an
embedded server's `StreamCutoffs` reads the rows it has not seen at most once a second (`CutoffLog`), off the
event loop, before it answers `alive`: a URL is refused within a second of the sign-out's commit, whoever made
it, and a restarted server knows the cutoffs its URLs predate. A row stays as long as a URL could (then it is
pruned), and it names the account by its public id, so an erased account's row outlives the account's."""

import asyncio
import copy
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, Integer, String, and_, delete, event, func, select, update
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column, sessionmaker

from encore.accounts._models import User
from encore.db import Base, UTCDateTime, bound_statements, is_busy, is_unreachable
from encore.kernel import Clock, SystemClock
from encore.state import Doc, Script, SharedState

_ROW = 1


class AuthEpoch(Base):
    """One row: the counter and the generation every credential of every account must have reached."""

    __tablename__ = "auth_epochs"
    id: Mapped[int] = mapped_column(primary_key=True)
    current: Mapped[int] = mapped_column(Integer, default=0)
    everyone_from: Mapped[int] = mapped_column(Integer, default=0)


class StreamCutoff(Base):
    """One sign-out's generation (each bump is one sign-out, so the generation is the key), for processes that
    share no state with the one that signed out: `user_public_id` is None for everyone."""

    __tablename__ = "stream_cutoffs"
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_public_id: Mapped[str | None] = mapped_column(String(22))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def issue_epoch(session: Session) -> int:
    """The generation a credential made now carries."""
    return session.scalar(select(AuthEpoch.current).where(AuthEpoch.id == _ROW)) or 0


def _bump(session: Session, **also: object) -> int:
    """Next generation (one atomic UPDATE ... RETURNING, so concurrent sign-outs never share one)."""
    nxt = session.scalar(
        update(AuthEpoch).where(AuthEpoch.id == _ROW).values(current=AuthEpoch.current + 1).returning(AuthEpoch.current)
    )
    if nxt is None:  # a database made without the migration's row
        session.add(AuthEpoch(id=_ROW, current=1, everyone_from=0))
        session.flush()
        nxt = 1
    if also:
        session.execute(update(AuthEpoch).where(AuthEpoch.id == _ROW).values(**dict.fromkeys(also, nxt)))
    return nxt


_CUTOFFS = "signout:"  # every cutoff's key: a process keeps `alive`'s answers until Redis reports a write here
_EVERYONE = "signout:*"
_NO_TTL = (0.0, 0.0)  # `alive` writes nothing


def _cut_key(user_public_id: str) -> str:
    return f"signout:{user_public_id}"


def _alive_step(docs: list[Doc | None], args: Sequence[str | int]) -> tuple[list[Doc | None], list[int]]:
    generation = int(args[0])
    for doc in docs:  # a loop, not any() over a generator: this runs on every byte-path request
        if doc is not None and generation < int(doc.get("from", 0)):
            return docs, [0]
    return docs, [1]


# KEYS: the account's cutoff and everyone's; ARGV: their TTLs (unused: it writes nothing), the URL's generation.
# Answers {1} while the generation counts, {0} once either cutoff is above it. `_alive_step` is the same rule.
ALIVE = Script(
    "accounts.alive",
    """
local generation = tonumber(ARGV[3])
for i = 1, 2 do
  local raw = redis.call('GET', KEYS[i])
  if raw and generation < (tonumber(cjson.decode(raw)['from']) or 0) then return {0} end
end
return {1}
""",
    _alive_step,
)


class _Apply(Protocol):
    def __call__(self, *, user_public_id: str | None, epoch: int) -> None: ...


READ_BOUND_S = 2.0  # the log's read on PostgreSQL: past it, an outage to sit out (the cutoffs held answer)


class CutoffLog:
    """Where an embedded server reads the cutoffs written since it last looked (`stream_cutoffs` rows by
    generation: each commits after every smaller one, as the counter's row lock orders their transactions).

    One read at a time. Once a read has succeeded, a request that finds another under way answers from the
    cutoffs held (a read old at most), rather than queue behind a connect that may take the whole connect
    timeout; and a database unreachable or too busy to answer is read again a second later, not per request,
    the cutoffs held answering meanwhile: no sign-out can be written while it is down, so they are all there is
    (review23 F4, as `streaming.CachedResolver` keeps serving the files it holds). On PostgreSQL the read is
    bounded: the server cancels it past READ_BOUND_S (a table locked, a server too busy: busy, as above), and a
    connection gone silent is dropped by the engine's TCP settings (`db._engine.PG_TCP`). Before the first read
    succeeds nothing is held, not even the cutoffs a restarted server's URLs predate: a request waits for the
    read under way, and if that read failed it fails alike, without a connect of its own."""

    def __init__(self, sessions: sessionmaker[Session], *, poll_s: float = 1.0) -> None:
        self._sessions, self._poll = sessions, poll_s
        self._seen = -1  # the highest generation applied (-1: none read yet, so the first read takes them all)
        self._next = 0.0  # monotonic time of the next read
        self._held = False  # a read has succeeded: the cutoffs applied may answer
        self._failures = 0  # reads failed before one succeeded, so a request that waited knows if one did
        self._failed: Exception | None = None  # the last read's error, while none has succeeded
        self._lock = threading.Lock()

    def due(self) -> bool:
        return time.monotonic() >= self._next

    def catch_up(self, apply: _Apply) -> None:
        """Apply the rows above the last seen generation (from a worker thread)."""
        held, failures = self._held, self._failures
        if not self._lock.acquire(blocking=not held):
            return  # another request is reading: this one answers from the cutoffs held
        try:
            if self._failed is not None and self._failures != failures:
                raise copy.copy(self._failed)  # the read this request waited for failed: so does this one
            if self._held and not self.due():
                return  # another request read them while this one waited
            self._read(apply)
        finally:
            self._lock.release()

    def _read(self, apply: _Apply) -> None:
        try:
            with self._sessions() as session:
                bound_statements(session, seconds=READ_BOUND_S)  # a locked table or a stalled server: busy, not minutes
                query = select(StreamCutoff.epoch, StreamCutoff.user_public_id).where(StreamCutoff.epoch > self._seen)
                rows = session.execute(query.order_by(StreamCutoff.epoch)).all()
        except Exception as exc:
            if self._held and (is_unreachable(exc) or is_busy(exc)):  # an outage to sit out: read a second later
                self._next = time.monotonic() + self._poll
                return
            if not self._held:
                self._failed, self._failures = exc, self._failures + 1
            raise
        for epoch, user_public_id in rows:
            apply(user_public_id=user_public_id, epoch=epoch)
            self._seen = epoch
        self._held, self._failed = True, None
        self._next = time.monotonic() + self._poll


class StreamCutoffs:
    """The generation below which an account's (or everyone's) stream URLs are refused, on the state port.
    A cutoff lives as long as a URL can (`ttl_s`, the stream URL TTL): older URLs have expired anyway.
    With `log` (the embedded default, whose state no other process shares) it also follows the cutoffs other
    processes wrote to the database."""

    def __init__(
        self, state: SharedState, *, ttl_s: float, clock: Clock | None = None, log: CutoffLog | None = None
    ) -> None:
        self._state, self._ttl, self._clock, self._log = state, ttl_s, clock or SystemClock(), log

    def cut(self, *, user_public_id: str | None, epoch: int) -> None:
        key = _EVERYONE if user_public_id is None else _cut_key(user_public_id)

        def raise_to(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
            was = int((docs[0] or {}).get("from", 0))
            return [{"from": max(was, epoch)}], None

        self._state.update([key], raise_to, ttl_s=[self._ttl])

    def record(self, session: Session, *, user_public_id: str | None, epoch: int) -> None:
        """A sign-out's cutoff, in its transaction (for every process) and, once that commits, on the state port
        (for this one and, on Redis, every other): a transaction that rolls back (a failed commit, a later
        refusal) cuts no URL, where a cutoff written before would have refused the account's new URLs until its
        TTL ended (review23 F5). The commit comes before the sign-out is answered (`web._deps.Db`), so the cut
        still reaches every worker before anyone is told. The state is read here first, so a state that cannot
        be reached fails the sign-out before anything is committed. Rows older than any URL are pruned."""
        key = _EVERYONE if user_public_id is None else _cut_key(user_public_id)
        self._state.get(key)  # StateUnavailable now, while the transaction can still roll back
        now = self._clock.now()
        session.execute(delete(StreamCutoff).where(StreamCutoff.made_at < now - timedelta(seconds=self._ttl)))
        session.add(StreamCutoff(epoch=epoch, user_public_id=user_public_id, made_at=now))
        session.flush()
        _after_commit(session, _Pending(self, user_public_id, epoch, _innermost(session)))

    async def alive(self, *, user_public_id: str, generation: int) -> bool:
        """Does a URL of this generation still count? One script run reading both cutoffs, no database (but,
        embedded, one read of the rows written since at most once a second)."""
        if self._log is not None and self._log.due():
            await asyncio.to_thread(self._log.catch_up, self.cut)
        keys = (_cut_key(user_public_id), _EVERYONE)
        return (await self._state.arun_kept(ALIVE, keys, [generation], ttl_s=_NO_TTL, watch=_CUTOFFS))[0] == 1


_PENDING = "encore.accounts.pending_cuts"  # session.info: the cuts its transaction makes once it commits


@dataclass(frozen=True)
class _Pending:
    cutoffs: StreamCutoffs
    user_public_id: str | None
    epoch: int
    made_in: SessionTransaction  # a savepoint rolled back takes its cuts with it


def _innermost(session: Session) -> SessionTransaction:
    made_in = session.get_nested_transaction() or session.get_transaction()
    if made_in is None:  # `record` has just flushed, so a transaction is under way
        raise RuntimeError("a stream cutoff recorded outside a transaction")
    return made_in


def _after_commit(session: Session, cut: _Pending) -> None:
    pending: list[_Pending] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _apply_pending)
        event.listen(session, "after_soft_rollback", _drop_pending)
        event.listen(session, "after_transaction_end", _forget_pending)
    pending.append(cut)


def _apply_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released (SQLAlchemy calls that a commit too): not yet
        return
    pending: list[_Pending] = session.info.get(_PENDING, [])
    cuts, pending[:] = list(pending), []
    for cut in cuts:  # a state that failed since `record` read it raises: the sign-out is answered as failed
        cut.cutoffs.cut(user_public_id=cut.user_public_id, epoch=cut.epoch)


def _drop_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    pending: list[_Pending] = session.info.get(_PENDING, [])
    pending[:] = [cut for cut in pending if not _within(cut.made_in, previous_transaction)]


def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    """The session's transaction is over, committed (its cuts made), rolled back or closed without a commit."""
    if transaction.parent is None:
        session.info.get(_PENDING, []).clear()


def _within(made_in: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while made_in is not None:
        if made_in is ended:
            return True
        made_in = made_in.parent
    return False


def sign_out_account(session: Session, *, user_id: int, cutoffs: StreamCutoffs | None = None) -> None:
    """Every credential the account holds stops working at its next use; with `cutoffs`, its stream URLs too."""
    epoch = _bump(session)
    public = session.scalar(
        update(User).where(User.id == user_id).values(signed_out_epoch=epoch).returning(User.public_id)
    )
    if cutoffs is not None and public is not None:
        cutoffs.record(session, user_public_id=public, epoch=epoch)


def sign_out_everyone(session: Session, *, cutoffs: StreamCutoffs | None = None) -> None:
    """Every credential of every account stops working at its next use (one row written)."""
    epoch = _bump(session, everyone_from=True)
    if cutoffs is not None:
        cutoffs.record(session, user_public_id=None, epoch=epoch)


def live_credential(epoch: Mapped[int]) -> ColumnElement[bool]:
    """The clause each credential lookup adds (its query already has the account's `users` row)."""
    everyone = select(AuthEpoch.everyone_from).where(AuthEpoch.id == _ROW).scalar_subquery()
    return and_(epoch >= User.signed_out_epoch, epoch >= func.coalesce(everyone, 0))
