"""An operator takes music down (`encore catalog find | withdraw | restore`): the wrong folder was ingested, or a
takedown notice arrives for a release, a label's or one ingested with no label.

Withdrawing is exactly a label's withdraw (`catalog.set_release_status`): delisted everywhere at once, plays,
verified streams and statements keep their history, the files stay on disk, and an ingest of the unchanged
folder (or of the same files touched) leaves it withdrawn (`ingest` never lists an existing album again).

Restoring publishes a withdrawn album again. A label's release only when the operator withdrew it last (the
audit log, written in the withdrawal's own transaction, says who did): an operator undoes their own takedown,
which the label could not always do itself (a release ingested without a date fails the label's publish
checks, and a label may have no account at all); a release its label withdrew stays withdrawn, since whether
it goes back to listeners is the label's choice (its portal's Publish again).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from encore import audit, catalog, labels
from encore.catalog import Album, AlbumArtist, Artist, ReleaseStatus, Track
from encore.kernel import Conflict, NotFound, ValidationFailed

MAX_FIND = 200  # characters of search text
MAX_REASON = 500  # characters of a takedown's reason, kept in the audit log
FOUND_AT_MOST = 50

_SAID = {
    "withdrawn": "this album is already withdrawn (encore catalog restore puts it back)",
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


def withdraw_refusal(*, status: str, is_ad: bool) -> str | None:
    """Why an album may not be withdrawn by the operator, or None (pure)."""
    return _status_refusal(status=status, is_ad=is_ad, already=ReleaseStatus.WITHDRAWN)


def restore_refusal(*, status: str, is_ad: bool, has_label: bool, operator_withdrew: bool) -> str | None:
    """Why an album may not be published again by the operator, or None (pure). `operator_withdrew`: the
    album's last withdrawal was the operator's, not its label's."""
    refused = _status_refusal(status=status, is_ad=is_ad, already=ReleaseStatus.PUBLISHED)
    return refused or ("label" if has_label and not operator_withdrew else None)


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


def _operator_withdrew(session: Session, album: Album) -> bool:
    """Whether the album's last withdrawal was the operator's (`catalog.withdrawn`) rather than its label's."""
    kinds = (audit.kinds.CATALOG_WITHDRAWN, audit.kinds.LABEL_WITHDRAWN)
    last = session.scalar(
        select(audit.AuditEvent.kind)
        .where(
            audit.AuditEvent.kind.in_(kinds),
            or_(  # the details as written, or cut by the audit log's bound into an escaped string (review21c F4:
                audit.AuditEvent.details.contains(f'"album":"{album.public_id}"', autoescape=True),  # a long reason)
                audit.AuditEvent.details.contains(f'\\"album\\":\\"{album.public_id}\\"', autoescape=True),
            ),
        )
        .order_by(audit.AuditEvent.at.desc(), audit.AuditEvent.id.desc())
        .limit(1)
    )
    return last == audit.kinds.CATALOG_WITHDRAWN


def _note(session: Session, *, kind: str, album: Album, actor_id: int | None, now: datetime, reason: str) -> None:
    label = album.label.name if album.label is not None else None
    details: dict[str, str | None] = {"by": "operator", "album": album.public_id, "title": album.title, "label": label}
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
    labels.claim_release(session, album, Album.status == ReleaseStatus.PUBLISHED.value)
    why_not = withdraw_refusal(status=album.status, is_ad=album.is_ad)
    if why_not is not None:
        raise Conflict(_SAID[why_not], code=f"album_{why_not}")
    catalog.set_release_status(session, album=album, status=ReleaseStatus.WITHDRAWN)
    _note(session, kind=audit.kinds.CATALOG_WITHDRAWN, album=album, actor_id=actor_id, now=now, reason=reason)
    return _found(album, _tracks(session, album))


def restore_album(session: Session, *, album_id: str, actor_id: int | None, now: datetime) -> FoundAlbum:
    """Publish a withdrawn album again (a label's release: if the operator withdrew it). Raises NotFound, or
    Conflict with the reason."""
    album = _album(session, album_id)
    labels.claim_release(session, album, Album.status == ReleaseStatus.WITHDRAWN.value)
    has_label = album.label is not None
    mine = has_label and _operator_withdrew(session, album)
    why_not = restore_refusal(status=album.status, is_ad=album.is_ad, has_label=has_label, operator_withdrew=mine)
    if why_not is not None:
        label = album.label.name if album.label is not None else ""
        raise Conflict(_SAID[why_not].format(label=label), code=f"album_{why_not}")
    catalog.set_release_status(session, album=album, status=ReleaseStatus.PUBLISHED)
    _note(session, kind=audit.kinds.CATALOG_RESTORED, album=album, actor_id=actor_id, now=now, reason="")
    return _found(album, _tracks(session, album))


def _found(album: Album, tracks: int) -> FoundAlbum:
    names = ", ".join(c.artist.name for c in sorted(album.artists, key=lambda c: c.position))
    label = album.label.name if album.label is not None else None
    return FoundAlbum(album.public_id, album.title, names, label, album.status, tracks)


def _tracks(session: Session, album: Album) -> int:
    return session.scalar(select(func.count()).select_from(Track).where(Track.album_id == album.id)) or 0
