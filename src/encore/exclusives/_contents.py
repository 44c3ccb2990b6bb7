"""What a track asks of a listener: the strictest of its album's, its own and its standing exclusive's
availability. This module is the one owner of "is this track locked by an exclusive, and by which": the stream
decision (`playback`), the player's lock hints, lists (`track_contents`) and the label's catalogue (`audio_locks`)
all join an exclusive to its track with `standing_audio` and combine with `content_from`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from encore.billing import PUBLIC, Availability, Content, strictest
from encore.catalog import Album, Track
from encore.exclusives._models import Exclusive


def standing_audio() -> ColumnElement[bool]:
    """The join of an exclusive to the track it locks: only while it stands. A withdrawn exclusive locks
    nothing: its track is again what its album and its own availability say, which is what the label's
    catalogue shows and can change (probe20 F2: a public track stayed Premium-only for good, unseen and
    beyond the label's reach)."""
    return and_(Exclusive.track_id == Track.id, Exclusive.withdrawn_at.is_(None))


def content_from(  # noqa: PLR0917 - the three (availability, from) pairs of one joined row
    album_availability: str,
    album_from: datetime | None,
    track_availability: str | None,
    track_from: datetime | None,
    exclusive_availability: str | None,
    exclusive_from: datetime | None,
) -> Content:
    """The strictest of the album's and the track's availability (set by their label) and, while the track
    is a standing exclusive's audio, the exclusive's."""
    parts = [Content(Availability(album_availability), album_from)]
    for availability, since in ((track_availability, track_from), (exclusive_availability, exclusive_from)):
        if availability is not None:
            parts.append(Content(Availability(availability), since))
    return strictest(*parts)


def track_contents(
    session: Session, *, track_ids: Sequence[int], where: ColumnElement[bool] | None = None
) -> dict[int, Content]:
    """Per track, `content_from` its row. One read for the whole list; `where` leaves tracks out
    (discovery's `playable` keeps only listed music in the same read)."""
    rows = session.execute(
        select(
            Track.id,
            Album.availability,
            Album.available_from,
            Track.availability,
            Track.available_from,
            Exclusive.availability,
            Exclusive.release_at,
        )
        .select_from(Track)
        .join(Album, Album.id == Track.album_id)
        .outerjoin(Exclusive, standing_audio())
        .where(Track.id.in_(list(track_ids)), true() if where is None else where)
    )
    return {row[0]: content_from(*row[1:]) for row in rows}


def track_content(session: Session, *, track_id: int) -> Content:
    return track_contents(session, track_ids=[track_id]).get(track_id, Content())


def contents_in_use(session: Session) -> frozenset[Content]:
    """Every content `track_contents` can answer today, public included: the distinct availabilities of the
    albums, tracks and standing exclusives' audio. `strictest` of any mix of them is one of them (Premium's own
    part, or the pre-release part with the latest date or none), so a listener's verdict on each of these few
    says what they may hear of the whole catalogue (discovery keeps its answers per such verdicts)."""
    sources = (
        select(Album.availability, Album.available_from).where(Album.availability != Availability.PUBLIC.value),
        select(Track.availability, Track.available_from).where(
            Track.availability.is_not(None), Track.availability != Availability.PUBLIC.value
        ),
        select(Exclusive.availability, Exclusive.release_at).where(
            Exclusive.track_id.is_not(None),
            Exclusive.withdrawn_at.is_(None),
            Exclusive.availability != Availability.PUBLIC.value,
        ),
    )
    found = {PUBLIC}
    for statement in sources:
        found.update(
            Content(Availability(a or PUBLIC.availability), since) for a, since in session.execute(statement.distinct())
        )
    return frozenset(found)


@dataclass(frozen=True)
class AudioLock:
    """The standing exclusive a track is the audio of, as its label is shown it beside the track."""

    exclusive_id: str
    kind: str
    title: str
    availability: str  # premium | prerelease
    release_at: datetime | None


def audio_locks(session: Session, *, track_ids: Sequence[int]) -> dict[int, AudioLock]:
    """Per track (row id) that is a standing exclusive's audio, that exclusive; one read."""
    if not track_ids:
        return {}
    rows = session.execute(
        select(
            Exclusive.track_id,
            Exclusive.public_id,
            Exclusive.kind,
            Exclusive.title,
            Exclusive.availability,
            Exclusive.release_at,
        ).where(Exclusive.track_id.in_(list(track_ids)), Exclusive.withdrawn_at.is_(None))
    )
    return {
        track_id: AudioLock(x_id, kind, title, avail, since)
        for track_id, x_id, kind, title, avail, since in rows
        if track_id is not None
    }
