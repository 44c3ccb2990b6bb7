"""What a track asks of a listener: the strictest of its album's, its own and its exclusive's availability."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from encore.billing import PUBLIC, Availability, Content, strictest
from encore.catalog import Album, Track
from encore.exclusives._models import Exclusive


def track_contents(
    session: Session, *, track_ids: Sequence[int], where: ColumnElement[bool] | None = None
) -> dict[int, Content]:
    """Per track, the strictest of the album's and the track's availability (set by their label) and, when
    the track is an exclusive's audio, the exclusive's. One read for the whole list; `where` leaves tracks
    out (discovery's `playable` keeps only listed music in the same read)."""
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
        .outerjoin(Exclusive, Exclusive.track_id == Track.id)
        .where(Track.id.in_(list(track_ids)), true() if where is None else where)
    )
    found: dict[int, Content] = {}
    for track_id, a_avail, a_from, t_avail, t_from, x_avail, x_from in rows:
        parts = [Content(Availability(a_avail), a_from)]
        for avail, since in ((t_avail, t_from), (x_avail, x_from)):
            if avail is not None:
                parts.append(Content(Availability(avail), since))
        found[track_id] = strictest(*parts)
    return found


def track_content(session: Session, *, track_id: int) -> Content:
    return track_contents(session, track_ids=[track_id]).get(track_id, Content())


def contents_in_use(session: Session) -> frozenset[Content]:
    """Every content `track_contents` can answer today, public included: the distinct availabilities of the
    albums, tracks and exclusives' audio. `strictest` of any mix of them is one of them (Premium's own part, or
    the pre-release part with the latest date or none), so a listener's verdict on each of these few says what
    they may hear of the whole catalogue (discovery keeps its answers per such verdicts)."""
    sources = (
        select(Album.availability, Album.available_from).where(Album.availability != Availability.PUBLIC.value),
        select(Track.availability, Track.available_from).where(
            Track.availability.is_not(None), Track.availability != Availability.PUBLIC.value
        ),
        select(Exclusive.availability, Exclusive.release_at).where(
            Exclusive.track_id.is_not(None), Exclusive.availability != Availability.PUBLIC.value
        ),
    )
    found = {PUBLIC}
    for statement in sources:
        found.update(
            Content(Availability(a or PUBLIC.availability), since) for a, since in session.execute(statement.distinct())
        )
    return frozenset(found)
