"""An operator takes music down (`encore catalog find | withdraw | restore`): the wrong folder was ingested, or a
takedown notice arrives for a release, a label's or one ingested with no label.

Withdrawing is a label's withdraw (`catalog.set_release_status`) that sticks: delisted everywhere at once, plays,
verified streams and statements keep their history, the files stay on disk, an ingest of the unchanged folder
(or of the same files touched) leaves it withdrawn (`ingest` never lists an existing album again), and the
album's `taken_down_from` (the status the takedown found) refuses its label's publish (`labels.publish`) until
the operator restores it. A release its label had withdrawn already can be taken down too, so that the label
cannot publish it again meanwhile.

Restoring lifts the takedown and puts back the status it found: published, or withdrawn by its label. A release
its label withdrew, and the operator did not take down, stays withdrawn, since whether it goes back to listeners
is the label's choice (its portal's Publish again).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from encore import audit, catalog
from encore.catalog import Album, AlbumArtist, Artist, ReleaseStatus, Track
from encore.kernel import Conflict, NotFound, ValidationFailed

MAX_FIND = 200  # characters of search text
MAX_REASON = 500  # characters of a takedown's reason, kept in the audit log
FOUND_AT_MOST = 50

_SAID = {
    "withdrawn": "this album is already taken down (encore catalog restore puts it back)",
    "draft": "this album is a label's draft, listed nowhere already (its label publishes or deletes it)",
    "ad": "this album holds an ad's audio, not music: it is not in the catalogue to withdraw",
    "published": "this album is published already",
    "label": "the label {label!r} withdrew this release itself: republishing it is the label's choice, from its "
    "portal (the release's Publish again)",
}


@dataclass(frozen=True)
class FoundAlbum:
    public_id: str
    title: str
    artists: str
    label: str | None
    status: str
    tracks: int


def _status_refusal(*, status: str, is_ad: bool, already: ReleaseStatus) -> str | None:
    if is_ad:
        return "ad"
    if status in {already.value, ReleaseStatus.DRAFT.value}:
        return status
    return None


def withdraw_refusal(*, status: str, is_ad: bool, taken_down: bool) -> str | None:
    """Why an album may not be taken down by the operator, or None (pure). A release its label withdrew may be:
    the takedown then keeps the label from publishing it again."""
    if taken_down and not is_ad:
        return "withdrawn"
    refused = _status_refusal(status=status, is_ad=is_ad, already=ReleaseStatus.WITHDRAWN)
    return None if refused == "withdrawn" else refused


def restore_refusal(*, status: str, is_ad: bool, has_label: bool, taken_down: bool) -> str | None:
    """Why the operator may not restore an album, or None (pure). `taken_down`: the operator's takedown is on
    it (a withdrawn album with no label was withdrawn by the operator, whoever recorded it)."""
    if taken_down and not is_ad:
        return None
    refused = _status_refusal(status=status, is_ad=is_ad, already=ReleaseStatus.PUBLISHED)
    return refused or ("label" if has_label else None)


def find_albums(session: Session, *, text: str, most: int = FOUND_AT_MOST) -> list[FoundAlbum]:
    """Albums whose title or an artist's name holds `text` (any case), of every status, ads left out."""
    wanted = text.strip()
    if not wanted:
        raise ValidationFailed("give some of the album's title or artist", code="empty_query")
    if len(wanted) > MAX_FIND:
        raise ValidationFailed(f"at most {MAX_FIND} characters", code="query_too_long")
    by_artist = select(AlbumArtist.album_id).join(Artist, Artist.id == AlbumArtist.artist_id)
    by_artist = by_artist.where(Artist.name.icontains(wanted, autoescape=True))
    matching = or_(Album.title.icontains(wanted, autoescape=True), Album.id.in_(by_artist))
    albums = list(
        session.scalars(
            select(Album).where(matching, Album.is_ad.is_(False)).order_by(Album.title, Album.id).limit(most)
        ).unique()
    )
    counts = dict(
        session.execute(
            select(Track.album_id, func.count())
            .where(Track.album_id.in_([a.id for a in albums]))
            .group_by(Track.album_id)
        ).all()
    )
    return [_found(a, counts.get(a.id, 0)) for a in albums]


def _album(session: Session, album_id: str) -> Album:
    album = session.scalar(select(Album).where(Album.public_id == album_id.strip()[:64]))
    if album is None:
        raise NotFound(f"no album {album_id!r} (encore catalog find TEXT gives its id)", code="not_found")
    return album


def _note(
    session: Session, *, kind: str, album: Album, actor_id: int | None, now: datetime, reason: str, found: str = ""
) -> None:
    """`found`: the status a takedown found, written right after the album (before the title and reason, which
    the audit log's bound may cut) so that fixleft22_1's upgrade can rebuild `taken_down_from` from it."""
    label = album.label.name if album.label is not None else None
    details: dict[str, str | None] = {"by": "operator", "album": album.public_id}
    if found:
        details["from"] = found
    details |= {"title": album.title, "label": label}
    if reason:
        details["reason"] = reason
    audit.record(session, kind=kind, now=now, actor_id=actor_id, details=details)


def withdraw_album(
    session: Session, *, album_id: str, actor_id: int | None, now: datetime, reason: str = ""
) -> FoundAlbum:
    """Delist the album everywhere at once, as its label's withdraw would. Raises NotFound, or Conflict with
    the reason it is refused."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"the reason is at most {MAX_REASON} characters", code="reason_too_long")
    album = _album(session, album_id)
    # The album's row, held as a label's withdraw or publish holds it: the later of two at once sees the other.
    catalog.claim_release(session, album, Album.status != ReleaseStatus.DRAFT.value)
    why_not = withdraw_refusal(status=album.status, is_ad=album.is_ad, taken_down=album.taken_down_from is not None)
    if why_not is not None:
        raise Conflict(_SAID[why_not], code=f"album_{why_not}")
    found = album.taken_down_from = album.status
    catalog.set_release_status(session, album=album, status=ReleaseStatus.WITHDRAWN, now=now)
    _note(
        session, kind=audit.kinds.CATALOG_WITHDRAWN, album=album, actor_id=actor_id, now=now, reason=reason, found=found
    )
    return _found(album, _tracks(session, album))


def restore_album(session: Session, *, album_id: str, actor_id: int | None, now: datetime) -> FoundAlbum:
    """Lift the operator's takedown: the album is published again, or stays withdrawn if its label had withdrawn
    it before (the label's Publish again works again). Raises NotFound, or Conflict with the reason."""
    album = _album(session, album_id)
    catalog.claim_release(session, album, Album.status == ReleaseStatus.WITHDRAWN.value)
    taken_from = album.taken_down_from
    why_not = restore_refusal(
        status=album.status, is_ad=album.is_ad, has_label=album.label is not None, taken_down=taken_from is not None
    )
    if why_not is not None:
        label = album.label.name if album.label is not None else ""
        raise Conflict(_SAID[why_not].format(label=label), code=f"album_{why_not}")
    album.taken_down_from = None
    restored = ReleaseStatus(taken_from or ReleaseStatus.PUBLISHED.value)
    catalog.set_release_status(session, album=album, status=restored, now=now)
    _note(session, kind=audit.kinds.CATALOG_RESTORED, album=album, actor_id=actor_id, now=now, reason="")
    return _found(album, _tracks(session, album))


def _found(album: Album, tracks: int) -> FoundAlbum:
    names = ", ".join(c.artist.name for c in sorted(album.artists, key=lambda c: c.position))
    label = album.label.name if album.label is not None else None
    status = "taken down" if album.taken_down_from is not None else album.status
    return FoundAlbum(album.public_id, album.title, names, label, status, tracks)


def _tracks(session: Session, album: Album) -> int:
    return session.scalar(select(func.count()).select_from(Track).where(Track.album_id == album.id)) or 0
