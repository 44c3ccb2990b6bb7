"""A listener's own verified streams: read for their export, de-identified when they forget their plays (the
label's financial record stays, naming no one)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from encore.catalog import Track
from encore.playback._verified import VerifiedStream


def deidentify_verified_streams(
    session: Session,
    *,
    user_id: int,
    since: datetime | None,
    until: datetime,
    track_id: int | None = None,
    limit: int | None = None,
) -> int:
    """The listener forgot their plays in [since, until) (of one track, with `track_id`): their verified
    streams there stay as the label's financial record, but no longer name them. How many were; with `limit`,
    at most that many (a range's forget goes in chunks, each its own short transaction: review24 F8)."""
    where = [VerifiedStream.user_id == user_id, VerifiedStream.first_byte_at < until]
    if since is not None:
        where.append(VerifiedStream.first_byte_at >= since)
    if track_id is not None:
        where.append(VerifiedStream.track_id == track_id)
    if limit is not None:
        where = [VerifiedStream.id.in_(select(VerifiedStream.id).where(*where).limit(limit).scalar_subquery())]
    query = update(VerifiedStream).where(*where)
    done = session.execute(query.values(user_id=None).execution_options(synchronize_session=False))
    return int(getattr(done, "rowcount", 0) or 0)


@dataclass(frozen=True)
class OwnStream:
    """A verified stream as its listener sees it in their export: public ids and times only."""

    track: str
    first_byte_at: datetime
    audio_ms: int


def own_verified_streams(session: Session, *, user_id: int) -> Iterator[OwnStream]:
    query = (
        select(Track.public_id, VerifiedStream.first_byte_at, VerifiedStream.audio_ms)
        .join(Track, Track.id == VerifiedStream.track_id)
        .where(VerifiedStream.user_id == user_id)
        .order_by(VerifiedStream.first_byte_at, VerifiedStream.id)
    )
    with session.execute(query.execution_options(yield_per=1000)) as result:  # closed if the reader stops early
        for track, at, ms in result:
            yield OwnStream(track, at, ms)
