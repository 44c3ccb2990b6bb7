"""An advertiser's spot comes in through its own way (the campaign form's upload), never as music first.

Made ad audio in the same transaction that saves it (`ingest.run_ingest`'s `as_ad`), the spot is never listed, not
even between its upload and its campaign; a campaign whose form then fails leaves an unlisted spot, not a song. A
listed track never becomes an ad by a campaign naming it (`create_campaign`; review26a L2: an unlabelled song
nobody had heard yet vanished from the catalogue when an admin gave its track id)."""

from collections.abc import Collection

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from encore.catalog import Track, mark_as_ad, track_row
from encore.kernel import ValidationFailed

ALREADY_MUSIC = (
    "this file's audio is already on the server as a listed track, so it is not a new spot: upload the advertiser's"
    " own audio file (nothing was changed)"
)


def mark_spot(session: Session, track_id: str, outcome: str) -> None:
    """The ingest's `as_ad` for a spot (`ingest.SpotMarker`): a new track becomes ad audio, with its release; the
    same audio as a spot already here is that spot again; the same audio as a listed track is refused
    (`ALREADY_MUSIC`). A spot tagged with a label's name, or filed into a release that holds music, is refused by
    `catalog.mark_as_ad`'s rule, and the file with it."""
    track = track_row(session, track_id=track_id)
    if track.is_ad:
        return
    if outcome != "imported":  # an existing listed track: a spot is new audio, never a song turned into one
        raise ValidationFailed(ALREADY_MUSIC, code="music_track")
    mark_as_ad(session, track=track)


def music_among(session: Session, track_ids: Collection[int]) -> int:
    """How many of these tracks are listed music, not spots: what `encore ingest --ad` reports of the files it
    skipped as unchanged, which `--ad` cannot turn into spots (a spot saved before is one: review28a L3)."""
    if not track_ids:
        return 0
    listed = select(func.count()).select_from(Track).where(Track.id.in_(set(track_ids)), Track.is_ad.is_(False))
    return session.scalar(listed) or 0


def spots_among(session: Session, *, public_ids: Collection[str], row_ids: Collection[int]) -> list[tuple[str, str]]:
    """(track id, title) of the spots among these tracks (an ingest's new ones by public id, its unchanged ones by
    row id), by title: what `encore ingest --ad` prints, for the operator to name in a campaign (review32c M2)."""
    if not public_ids and not row_ids:
        return []
    among = or_(Track.public_id.in_(set(public_ids)), Track.id.in_(set(row_ids)))
    rows = session.execute(select(Track.public_id, Track.title).where(among, Track.is_ad).order_by(Track.title))
    return [(str(public_id), str(title)) for public_id, title in rows]
