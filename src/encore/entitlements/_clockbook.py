"""Each free listener's ad clock, kept in memory by the one serving process and written behind to
`ad_clocks`.

Every music URL moves the clock, so keeping it only in the database made every free-tier stream-URL
request a write transaction (docs/benchmarks.md). The book is the authority while the process runs: every
face (player API, Subsonic) and every tab or device of an account reads and moves the same entry under one
lock, so nothing can be dodged by switching. The database copy is refreshed at most `flush_every_s` later,
at once when an ad falls due or is played, and is what a restarted process starts from. A restart forgets
what was charged since the last write (the requests of the last `flush_every_s` before it, or of the idle
time before it when no free listener asked for music since; there is no shutdown hook to flush on), never an
owed ad. One book per process: Encore serves from a single process.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from encore.entitlements._models import AdClockRow

IDLE_EVICT_S = 6 * 3600
_T = TypeVar("_T")


@dataclass(frozen=True)
class ClockState:
    listened_ms: int = 0  # charged and settled since the last ad played through
    last_track_id: int | None = None
    last_issued_at: datetime | None = None
    last_duration_ms: int = 0
    last_ad_at: datetime | None = None

    def pending_ms(self, now: datetime) -> int:
        """Time the last issued track may have been playing: wall time since issue, at most its length."""
        if self.last_issued_at is None:
            return 0
        elapsed = int((now - self.last_issued_at).total_seconds() * 1000)
        return max(0, min(elapsed, self.last_duration_ms))

    def total_ms(self, now: datetime) -> int:
        return self.listened_ms + self.pending_ms(now)

    def charged(self, *, track_id: int, duration_ms: int, now: datetime) -> "ClockState":
        return replace(
            self,
            listened_ms=self.total_ms(now),
            last_track_id=track_id,
            last_issued_at=now,
            last_duration_ms=duration_ms,
        )


def state_of(row: AdClockRow | None) -> ClockState:
    if row is None:
        return ClockState()
    return ClockState(row.listened_ms, row.last_track_id, row.last_issued_at, row.last_duration_ms, row.last_ad_at)


@dataclass
class _Entry:
    state: ClockState
    dirty: bool
    touched: float


class AdClockBook:
    def __init__(self, *, flush_every_s: float = 10.0) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, _Entry] = {}
        self._flush_every_s = flush_every_s
        self._next_flush = time.monotonic() + flush_every_s

    def known(self, user_id: int) -> bool:
        with self._lock:
            return user_id in self._entries

    def move(
        self,
        session: Session,
        user_id: int,
        change: Callable[[ClockState], tuple[ClockState, _T]],
        *,
        loaded: ClockState | None = None,
    ) -> _T:
        """Apply `change` to the user's clock atomically (one lock for every face, tab and device).

        `loaded` is the stored row when the caller already read it; otherwise the row is read here, once
        per user and process, outside the lock."""
        if loaded is None and not self.known(user_id):
            loaded = _load(session, user_id)
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is None:
                entry = self._entries[user_id] = _Entry(loaded or ClockState(), False, 0.0)
            new, result = change(entry.state)
            if new != entry.state:
                entry.state, entry.dirty = new, True
            entry.touched = time.monotonic()
            return result

    def write_through(self, session: Session, user_ids: list[int]) -> None:
        """Write these users' clocks now (an ad fell due or was played)."""
        with self._lock:
            rows = [(u, self._entries[u].state) for u in user_ids if u in self._entries]
            for u, _ in rows:
                self._entries[u].dirty = False
        self._write(session, rows)

    def write_behind(self, session: Session) -> None:
        """Every `flush_every_s`, one request writes every changed clock (and forgets long-idle ones)."""
        now = time.monotonic()
        with self._lock:
            if now < self._next_flush:
                return
            self._next_flush = now + self._flush_every_s
            rows = [(u, e.state) for u, e in self._entries.items() if e.dirty]
            for e in self._entries.values():
                e.dirty = False
            for u in [u for u, e in self._entries.items() if now - e.touched > IDLE_EVICT_S and not e.dirty]:
                del self._entries[u]
        self._write(session, rows)

    def _write(self, session: Session, rows: list[tuple[int, ClockState]]) -> None:
        """Write in the caller's transaction; if that transaction rolls back (the request failed after the
        decision), the entries are dirty again, so the next write-behind carries them."""
        if not rows:
            return
        _write(session, rows)
        user_ids = [u for u, _ in rows]

        def undo(_session: Session, _previous: object = None) -> None:
            with self._lock:
                for u in user_ids:
                    entry = self._entries.get(u)
                    if entry is not None:
                        entry.dirty = True

        event.listen(session, "after_soft_rollback", undo, once=True)


def _load(session: Session, user_id: int) -> ClockState:
    return state_of(session.scalar(select(AdClockRow).where(AdClockRow.user_id == user_id)))


def _write(session: Session, rows: list[tuple[int, ClockState]]) -> None:
    for user_id, s in rows:
        values = {
            "listened_ms": s.listened_ms,
            "last_track_id": s.last_track_id,
            "last_issued_at": s.last_issued_at,
            "last_duration_ms": s.last_duration_ms,
            "last_ad_at": s.last_ad_at,
        }
        done = session.execute(update(AdClockRow).where(AdClockRow.user_id == user_id).values(**values))
        if getattr(done, "rowcount", 0) == 0:
            session.execute(insert(AdClockRow).values(user_id=user_id, **values))
