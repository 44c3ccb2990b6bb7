"""One free listener's ad clock as a value (`ClockState`) and as its `ad_clocks` row (read, written)."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session

from encore.accounts import User
from encore.playback._models import AdClockRow

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(at: datetime | None) -> int | None:
    return None if at is None else (at - _EPOCH) // timedelta(microseconds=1)


def from_us(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True)
class ClockState:
    listened_ms: int = 0  # charged and settled since the last ad played through
    last_track_id: int | None = None
    last_issued_at: datetime | None = None
    last_duration_ms: int = 0
    last_ad_at: datetime | None = None
    last_served_ms: int = 0  # audio of the last issued track already charged from bytes sent (in listened_ms)

    def playing_ms(self, now: datetime) -> int:
        """Time the last issued track may have been playing: wall time since issue, at most its length."""
        if self.last_issued_at is None:
            return 0
        elapsed = int((now - self.last_issued_at).total_seconds() * 1000)
        return max(0, min(elapsed, self.last_duration_ms))

    def pending_ms(self, now: datetime) -> int:
        """What the wall time of the last track adds beyond the audio already charged for it."""
        return max(0, self.playing_ms(now) - self.last_served_ms)

    def total_ms(self, now: datetime) -> int:
        return self.listened_ms + self.pending_ms(now)

    def charged(self, *, track_id: int, duration_ms: int, now: datetime) -> "ClockState":
        return replace(
            self,
            listened_ms=self.total_ms(now),
            last_track_id=track_id,
            last_issued_at=now,
            last_duration_ms=duration_ms,
            last_served_ms=0,
        )


def state_of(row: "AdClockRow | Row[Any] | None") -> ClockState:
    """The clock a stored `ad_clocks` row (or a joined row with the same column names) holds."""
    if row is None:
        return ClockState()
    return ClockState(
        row.listened_ms, row.last_track_id, row.last_issued_at, row.last_duration_ms, row.last_ad_at, row.last_served_ms
    )


@dataclass(frozen=True)
class PlayNames:
    """How the byte path names a play: the listener's and the track's public ids (they are in the URL)."""

    user: str
    track: str
    track_id: int


def load_state(session: Session, user_id: int) -> ClockState:
    return state_of(session.scalar(select(AdClockRow).where(AdClockRow.user_id == user_id)))


def write_states(session: Session, rows: list[tuple[int, ClockState]]) -> None:
    """Each listener's clock row, updated or made; a listener whose account was deleted meanwhile (the queue
    still named them) is skipped: their row went with the account, and a new one would break its key and
    with it the request that happened to write the batch (review17)."""
    ids = [user_id for user_id, _ in rows]
    # FOR KEY SHARE on PostgreSQL: an account being deleted right now is waited for, then seen gone (review17b)
    held = select(User.id).where(User.id.in_(ids)).with_for_update(key_share=True)
    present = set(session.scalars(held)) if ids else set()
    for user_id, s in rows:
        if user_id not in present:
            continue
        values = {
            "listened_ms": s.listened_ms,
            "last_track_id": s.last_track_id,
            "last_issued_at": s.last_issued_at,
            "last_duration_ms": s.last_duration_ms,
            "last_ad_at": s.last_ad_at,
            "last_served_ms": s.last_served_ms,
        }
        done = session.execute(update(AdClockRow).where(AdClockRow.user_id == user_id).values(**values))
        if getattr(done, "rowcount", 0) == 0:
            session.execute(insert(AdClockRow).values(user_id=user_id, **values))
