"""A label's own catalogue: list it, edit whitelisted metadata, set availability. Another label's
album or track answers exactly like a missing one."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.billing import Availability
from encore.catalog import (
    Album,
    ReleaseStatus,
    Track,
    art_taken_down,
    hold_release,
    isrc_of_another_label,
    reindex_album,
    reindex_track,
    upc_of_another_label,
)
from encore.exclusives import AudioLock, audio_locks
from encore.kernel import (
    Conflict,
    NotFound,
    ValidationFailed,
    bidi_refusal,
    has_bidi_control,
    has_control,
    has_visible,
    towering_refusal,
)
from encore.labels._release_rules import release_date_problem

Kind = Literal["album", "track"]
# The only fields a label may change; anything else (label_id, audio_hash, ids) is never settable.
ALBUM_FIELDS = frozenset({"title", "album_type", "release_date", "upc"})
TRACK_FIELDS = frozenset({"title", "isrc", "explicit", "track_number", "disc_number"})
CLEARABLE = frozenset({"release_date", "upc", "isrc"})  # the only ones that may be set to nothing


@dataclass(frozen=True)
class TrackItem:
    id: str
    title: str
    isrc: str | None
    duration_ms: int
    track_number: int
    disc_number: int
    explicit: bool
    availability: str | None  # None: as the album
    available_from: datetime | None
    # The standing exclusive this track is the audio of: while it stands, free listeners get the track only as
    # the exclusive allows, whatever `availability` says; withdrawing it lifts that (probe20 F2).
    exclusive: AudioLock | None = None


@dataclass(frozen=True)
class AlbumItem:
    id: str
    title: str
    artist: str
    album_type: str
    release_date: date | None
    upc: str | None
    availability: str
    available_from: datetime | None
    tracks: list[TrackItem]
    status: str  # draft | published | withdrawn
    artists: list[str]
    artwork_key: str | None
    # The operator took it down (`encore catalog withdraw`): `status` says withdrawn, and nothing of it changes
    # from the portal until the operator restores it (catalog.hold_release); the label's own withdraw leaves this False.
    taken_down: bool = False
    # Its cover is an image an operator's takedown holds back (`catalog.art_taken_down`: the taken-down release's
    # own, or the same image set on a draft or another release of the label): /art/ answers 404 for it to everyone.
    cover_held_back: bool = False


def owned_album(session: Session, *, label_id: int, album_id: str) -> Album:
    album = session.scalar(select(Album).where(Album.public_id == album_id, Album.label_id == label_id))
    if album is None:
        raise NotFound("no such album")
    return album


def owned_track(session: Session, *, label_id: int, track_id: str) -> Track:
    track = session.scalar(
        select(Track)
        .join(Album, Album.id == Track.album_id)
        .where(Track.public_id == track_id, Album.label_id == label_id)
    )
    if track is None:
        raise NotFound("no such track")
    return track


def held_track(session: Session, *, label_id: int, track_id: str, moves_catalogue: bool = True) -> Track:
    """The label's own track, its release's row held for a change of what listeners see of it (its lyrics, say):
    refused while the operator has the release taken down (`hold_release`). Lyrics are no catalogue row: their
    writes pass `moves_catalogue=False`, leaving every node's cached catalogue views as they are (review23n F3)."""
    track = owned_track(session, label_id=label_id, track_id=track_id)
    hold_release(session, track.album, moves_catalogue=moves_catalogue)
    return track


def _track_item(t: Track, lock: AudioLock | None) -> TrackItem:
    return TrackItem(
        t.public_id,
        t.title,
        t.isrc,
        t.duration_ms,
        t.track_number,
        t.disc_number,
        t.explicit,
        t.availability,
        t.available_from,
        lock,
    )


def album_item(session: Session, album: Album) -> AlbumItem:
    tracks = list(
        session.scalars(
            select(Track).where(Track.album_id == album.id).order_by(Track.disc_number, Track.track_number, Track.id)
        )
    )
    locks = audio_locks(session, track_ids=[t.id for t in tracks])
    artist = album.artists[0].artist.name if album.artists else ""
    return AlbumItem(
        album.public_id,
        album.title,
        artist,
        album.album_type,
        album.release_date,
        album.upc,
        album.availability,
        album.available_from,
        [_track_item(t, locks.get(t.id)) for t in tracks],
        album.status,
        [a.artist.name for a in album.artists],
        album.artwork_key,
        album.taken_down_from is not None,
        album.artwork_key is not None and art_taken_down(session, key=album.artwork_key),
    )


def catalogue(session: Session, *, label_id: int, limit: int = 200, offset: int = 0) -> list[AlbumItem]:
    albums = session.scalars(
        select(Album).where(Album.label_id == label_id).order_by(Album.title, Album.id).limit(limit).offset(offset)
    ).unique()
    return [album_item(session, a) for a in albums]


def _check_field(
    session: Session, name: str, value: object, *, label_id: int, target: Album | Track, album: Album, today: date
) -> None:
    """Refuse one edited field's value, in the words the form uses."""
    if value is None and name not in CLEARABLE:
        raise ValidationFailed(f"{name} cannot be empty", code="bad_field")
    if name == "title" and (not isinstance(value, str) or not value.strip()):
        raise ValidationFailed("a title cannot be empty", code="bad_title")
    if name == "title" and isinstance(value, str) and (not has_visible(value) or has_control(value)):
        raise ValidationFailed("a title must show a visible character (no control characters)", code="bad_title")
    if name == "title" and isinstance(value, str) and has_bidi_control(value):  # every listener sees it (review24n N2)
        raise ValidationFailed(bidi_refusal("A title"), code="bad_title")
    if name == "title" and isinstance(value, str) and (towering := towering_refusal(value, "A title")):  # review31a L2
        raise ValidationFailed(towering, code="bad_title")
    if name == "release_date" and isinstance(value, date) and (p := release_date_problem(value, today=today)):
        raise ValidationFailed(p, code="bad_release_date")
    text = value.strip() if isinstance(value, str) else None
    if name == "isrc" and text and isrc_of_another_label(session, isrc=text, label_id=label_id, track_id=target.id):
        raise Conflict("that ISRC belongs to another label's recording", code="isrc_taken")
    if name == "upc" and text and upc_of_another_label(session, upc=text, label_id=label_id, album_id=album.id):
        raise Conflict("that UPC belongs to another label's release", code="upc_taken")


def _refuse_shared_number(session: Session, track: Track, album: Album) -> None:
    """A released (published or withdrawn) release gains no second track of one number (probe23 F4: the edit took
    any); a draft may hold one while it is renumbered, and publish refuses it (`_release_rules`). A release that
    already has two keeps them until one is moved."""
    if album.status == ReleaseStatus.DRAFT.value:
        return
    same = select(Track.title).where(
        Track.album_id == album.id,
        Track.id != track.id,
        Track.disc_number == track.disc_number,
        Track.track_number == track.track_number,
    )
    if (other := session.scalar(same.order_by(Track.id).limit(1))) is not None:
        where = f" of disc {track.disc_number}" if track.disc_number != 1 else ""
        raise Conflict(f"Track {track.track_number}{where} is already “{other[:60]}”.", code="number_taken")


def edit_metadata(
    session: Session, *, label_id: int, kind: Kind, item_id: str, changes: dict[str, object], today: date
) -> AlbumItem:
    """Apply only whitelisted fields (the web face also refuses unknown ones); returns the album after."""
    allowed = ALBUM_FIELDS if kind == "album" else TRACK_FIELDS
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"these fields cannot be changed: {', '.join(sorted(unknown))}", code="bad_field")
    if kind == "album":
        album = owned_album(session, label_id=label_id, album_id=item_id)
        hold_release(session, album)
        target: Album | Track = album
    else:
        track = held_track(session, label_id=label_id, track_id=item_id)
        target, album = track, track.album
    for name, value in changes.items():
        _check_field(session, name, value, label_id=label_id, target=target, album=album, today=today)
        setattr(target, name, value.strip() if isinstance(value, str) else value)
    if isinstance(target, Track) and {"track_number", "disc_number"} & set(changes):
        _refuse_shared_number(session, target, album)
    session.flush()
    if "title" in changes and album.status == ReleaseStatus.PUBLISHED.value:  # search finds the new name at once
        if kind == "album":
            reindex_album(session, album)
        else:
            reindex_track(session, track, album_title=album.title)
    return album_item(session, album)


def set_availability(
    session: Session,
    *,
    label_id: int,
    kind: Kind,
    item_id: str,
    availability: Availability | None,
    available_from: datetime | None,
) -> AlbumItem:
    """public | premium | prerelease (with the date it opens to everyone); a track may also go back to
    None, meaning "as its album". billing.decide enforces it on every face."""
    if availability is Availability.PRERELEASE and available_from is None:
        raise ValidationFailed("a pre-release needs the date it opens to everyone", code="release_at_required")
    if availability is not Availability.PRERELEASE:
        available_from = None
    if kind == "album":
        album = owned_album(session, label_id=label_id, album_id=item_id)
        hold_release(session, album)
        if availability is None:
            raise ValidationFailed("an album needs an availability", code="bad_availability")
        album.availability, album.available_from = availability.value, available_from
    else:
        track = held_track(session, label_id=label_id, track_id=item_id)
        track.availability = availability.value if availability is not None else None
        track.available_from = available_from
        album = track.album
    session.flush()
    return album_item(session, album)
