"""One saved play queue per listener, so a phone can pick up where another device stopped."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from encore.catalog import Track, TrackView, track_views
from encore.db import Base, UTCDateTime, write_lock
from encore.kernel import NotFound, ValidationFailed
from encore.library._listed import resolve

MAX_QUEUE = 1000


class PlayQueue(Base):
    __tablename__ = "play_queues"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    current_track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    position_ms: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(100), default="")


class PlayQueueEntry(Base):
    __tablename__ = "play_queue_entries"
    user_id: Mapped[int] = mapped_column(ForeignKey("play_queues.user_id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)


@dataclass(frozen=True)
class PlayQueueView:
    current: str | None
    position_ms: int
    changed_at: datetime
    changed_by: str
    tracks: list[TrackView]


def save_play_queue(
    session: Session,
    *,
    user_id: int,
    track_ids: Sequence[str],
    current: str | None,
    position_ms: int,
    changed_by: str,
    now: datetime,
) -> None:
    """Replace the queue. An empty list clears it (OpenSubsonic: savePlayQueue without ids)."""
    if len(track_ids) > MAX_QUEUE:
        raise ValidationFailed(f"a play queue holds at most {MAX_QUEUE} tracks", code="queue_too_long")
    if position_ms < 0:
        raise ValidationFailed("position must not be negative", code="bad_position")
    found = resolve(session, Track, track_ids, music_only=True)
    if len(found) != len(set(track_ids)):
        raise NotFound("no such track")
    if current is not None and current not in found:
        raise ValidationFailed("the current track must be in the queue", code="bad_current")
    # one save at a time: two devices saving at once each found no queue and inserted one (a 500)
    write_lock(session, "play_queue", user_id)
    session.execute(delete(PlayQueueEntry).where(PlayQueueEntry.user_id == user_id))
    queue = session.get(PlayQueue, user_id, populate_existing=True)
    if not track_ids:
        if queue is not None:
            session.delete(queue)
        session.flush()
        return
    if queue is None:
        queue = PlayQueue(user_id=user_id, changed_at=now)
        session.add(queue)
    queue.current_track_id = found[current] if current else None
    queue.position_ms, queue.changed_at, queue.changed_by = position_ms, now, changed_by[:100]
    session.flush()
    session.add_all(PlayQueueEntry(user_id=user_id, position=i, track_id=found[t]) for i, t in enumerate(track_ids))
    session.flush()


def get_play_queue(session: Session, *, user_id: int) -> PlayQueueView | None:
    queue = session.get(PlayQueue, user_id)
    if queue is None:
        return None
    rows = session.execute(
        select(PlayQueueEntry.position, Track)
        .join(Track, Track.id == PlayQueueEntry.track_id)
        .where(PlayQueueEntry.user_id == user_id)
        .order_by(PlayQueueEntry.position)
    ).all()
    tracks = [t for _, t in rows]
    current = next((t.public_id for t in tracks if t.id == queue.current_track_id), None)
    return PlayQueueView(current, queue.position_ms, queue.changed_at, queue.changed_by, track_views(session, tracks))
