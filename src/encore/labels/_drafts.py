"""A label's release from upload to listeners: uploads land as a draft (listed nowhere), the label fills
in the form, publishes it, may withdraw it later (plays and statements keep their history), and may
delete a draft that was never published. Another label's release answers exactly like a missing one."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.catalog import (
    Album,
    ReleaseStatus,
    Track,
    choose_cover,
    claim_release,
    credit_release,
    delete_release,
    hold_isrc,
    hold_release,
    isrc_of_another_label,
    set_release_status,
    upc_spellings,
)
from encore.kernel import Conflict, ValidationFailed
from encore.labels._catalogue import owned_album
from encore.labels._release_rules import (
    NumberedTrack,
    TrackForm,
    edit_problems,
    normal_isrc,
    numbering_problems,
    parse_release_date,
    publish_problems,
    track_numbers,
)

CONTACT = "contact them; only they can restore it."  # as `catalog.takedown_refusal` ends


class ReleaseInvalid(ValidationFailed):
    """A refused release form: `fields` maps each field to the sentence shown next to it."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(" ".join(dict.fromkeys(fields.values())), code="release_invalid")  # one sentence once
        self.fields = fields


@dataclass(frozen=True)
class ReleaseForm:
    """None: unchanged. release_date "" clears it."""

    title: str | None = None
    artists: list[str] | None = None
    release_date: str | None = None
    tracks: tuple[TrackForm, ...] = ()


def _tracks(session: Session, album: Album) -> list[Track]:
    return list(session.scalars(select(Track).where(Track.album_id == album.id).order_by(Track.id)))


def _owned_in(session: Session, album: Album, form: ReleaseForm) -> dict[str, Track]:
    by_id = {t.public_id: t for t in _tracks(session, album)}
    stray = [t.id for t in form.tracks if t.id not in by_id]
    if stray:
        raise ReleaseInvalid({"tracks": "A track in the form is not on this release."})
    return by_id


def _apply_tracks(session: Session, *, label_id: int, by_id: dict[str, Track], form: ReleaseForm) -> dict[str, str]:
    problems: dict[str, str] = {}
    # Every ISRC the form sets is held before any is checked, in one order: two forms that set the same two
    # codes in opposite orders would otherwise each hold one and wait for the other (a deadlock on PostgreSQL).
    for code in sorted({normal_isrc(t.isrc) for t in form.tracks if t.isrc} - {""}):
        hold_isrc(session, code)
    for t in form.tracks:
        track = by_id[t.id]
        if t.title is not None:
            track.title = t.title.strip()
        number, disc = track_numbers(t)  # checked by `edit_problems` before
        track.track_number = number or track.track_number
        track.disc_number = disc or track.disc_number
        if t.isrc is not None:
            isrc = normal_isrc(t.isrc) or None
            if isrc and isrc_of_another_label(session, isrc=isrc, label_id=label_id, track_id=track.id):
                problems[f"tracks.{t.id}.isrc"] = "That ISRC belongs to another label's recording."
            track.isrc = isrc
    return problems


def edit_release(session: Session, *, label_id: int, album_id: str, form: ReleaseForm, today: date) -> Album:
    """Save the form of a draft; formats are checked now, completeness when it is published."""
    album = owned_album(session, label_id=label_id, album_id=album_id)
    claim_release(session, album, Album.status == ReleaseStatus.DRAFT.value)
    if album.status != ReleaseStatus.DRAFT.value:
        raise Conflict("only a draft is edited with this form", code="not_a_draft")
    problems = edit_problems(title=form.title, artists=form.artists, tracks=form.tracks)
    released: date | None = album.release_date
    if form.release_date is not None and form.release_date.strip():
        released, problem = parse_release_date(form.release_date, today=today)
        if problem:
            problems["release_date"] = problem
    elif form.release_date is not None:
        released = None
    by_id = _owned_in(session, album, form)
    if problems:
        raise ReleaseInvalid(problems)
    problems = _apply_tracks(session, label_id=label_id, by_id=by_id, form=form)
    if form.artists is not None:
        names = [n.strip() for n in form.artists if n.strip()]
        try:
            credit_release(session, album=album, names=names, label_id=label_id)
        except Conflict as exc:
            problems["artists"] = exc.message
    if problems:
        raise ReleaseInvalid(problems)  # the request's transaction rolls back what was applied
    if form.title is not None:
        album.title = form.title.strip()
    album.release_date = released
    session.flush()
    set_release_status(session, album=album, status=ReleaseStatus.DRAFT)  # artists it made stay out of search
    return album


def set_cover(session: Session, *, label_id: int, album_id: str, artwork_key: str) -> tuple[Album, str | None]:
    """The release's cover, in any state: a draft's, and a published or withdrawn release's too (probe22: a
    release published without one could never get one, and replacing artwork is routine for a label). Every
    face names artwork by its content's key, so the new cover has new URLs and no cache keeps the old one; returns
    the release and the key it had (its files go once the change commits: `ingest.drop_replaced_cover`, when no
    other release names it). There is no removing a cover, only replacing it. It
    stays the release's cover until the label replaces it: an operator's ingest of a file with other embedded art
    does not (`catalog.offer_file_art`).
    Not a release the operator took down: nothing of it changes until `encore catalog restore` (the artwork may be
    why it was taken down; review22c F2)."""
    album = owned_album(session, label_id=label_id, album_id=album_id)
    hold_release(session, album)  # in the catalogue's lock order, after a publish or delete under way
    replaced = choose_cover(album, artwork_key)  # the label's choice: no file's embedded art replaces it
    session.flush()
    return album, replaced


def publish(session: Session, *, label_id: int, album_id: str, today: date, now: datetime | None = None) -> Album:
    """A draft (or a release the label withdrew) goes to listeners, once the form says all it must; never one the
    operator took down."""
    album = owned_album(session, label_id=label_id, album_id=album_id)
    hold_release(session, album, Album.status != ReleaseStatus.PUBLISHED.value)  # never while taken down
    if album.status == ReleaseStatus.PUBLISHED.value:
        raise Conflict("this release is already published", code="already_published")
    tracks = _tracks(session, album)
    problems = publish_problems(
        title=album.title,
        artists=[a.artist.name for a in album.artists],
        release_date=album.release_date,
        track_titles={t.public_id: t.title for t in tracks},
        today=today,
        numbering=_numbering(album, tracks),
    )
    if problems:
        raise ReleaseInvalid(problems)
    if (code := _code_taken_down(session, album=album, tracks=tracks)) is not None:
        said = f"{code} is on a release the operator of this server took down. It cannot be published from here: "
        raise Conflict(said + CONTACT, code="taken_down")
    set_release_status(session, album=album, status=ReleaseStatus.PUBLISHED, now=now)
    return album


def _numbering(album: Album, tracks: list[Track]) -> list[NumberedTrack]:
    """A draft's numbers, for the rule that no two tracks share one. A withdrawn release is put back as it was: one
    published before the rule may hold two track 1s (mended with `renumber`, whose fields the portal shows for
    them), and a released release's track edit refuses a taken number (`_catalogue`), so no new ones reach it."""
    if album.status != ReleaseStatus.DRAFT.value:
        return []
    return [NumberedTrack(t.public_id, t.title, t.disc_number, t.track_number) for t in tracks]


def _code_taken_down(session: Session, *, album: Album, tracks: list[Track]) -> str | None:
    """A recording (ISRC) or release (UPC) of this draft that is on a release the operator took down: the same
    files uploaded again as a new draft would otherwise put a takedown's music back (a label that clears the
    codes is not caught; the operator takes the new release down in turn)."""
    taken = Album.taken_down_from.is_not(None)
    isrcs = sorted({t.isrc for t in tracks if t.isrc})
    if isrcs:
        on_taken = select(Track.isrc).join(Album, Album.id == Track.album_id).where(taken, Track.isrc.in_(isrcs))
        if (isrc := session.scalar(on_taken.order_by(Track.isrc).limit(1))) is not None:
            return f"A track of this release (ISRC {isrc})"
    same_upc = Album.upc.in_(upc_spellings(album.upc or ""))  # a leading zero more or less: the same barcode
    if album.upc and session.scalar(select(Album.id).where(taken, same_upc).limit(1)) is not None:
        return f"This release's UPC {album.upc}"
    return None


def renumber(session: Session, *, label_id: int, album_id: str, tracks: tuple[TrackForm, ...]) -> Album:
    """Track and disc numbers of any of the label's releases, a published or withdrawn one included, set together:
    a release published before the rule may hold two track 1s, and the one-track edit refuses a taken number
    (`_catalogue`), so two numbers could never be swapped there. Each moved track must end on a place of its own;
    another pair of shared numbers the request leaves alone stays until it is mended too. Not while taken down."""
    album = owned_album(session, label_id=label_id, album_id=album_id)
    hold_release(session, album)
    by_id = _owned_in(session, album, ReleaseForm(tracks=tracks))
    if problems := edit_problems(title=None, artists=None, tracks=tracks):
        raise ReleaseInvalid(problems)
    for t in tracks:
        number, disc = track_numbers(t)
        by_id[t.id].track_number = number or by_id[t.id].track_number
        by_id[t.id].disc_number = disc or by_id[t.id].disc_number
    placed = [NumberedTrack(t.public_id, t.title, t.disc_number, t.track_number) for t in _tracks(session, album)]
    moved = {(t.disc, t.number) for t in placed if t.id in {f.id for f in tracks}}
    clash = {t.id for t in placed if (t.disc, t.number) in moved}
    problems = {f: said for f, said in numbering_problems(placed).items() if f.split(".")[1] in clash}
    if problems:
        raise ReleaseInvalid(problems)  # the request's transaction rolls back the numbers applied
    session.flush()
    return album


def withdraw(session: Session, *, label_id: int, album_id: str, now: datetime | None = None) -> Album:
    """Delisted everywhere at once; plays, verified streams and statements keep their history."""
    album = owned_album(session, label_id=label_id, album_id=album_id)
    claim_release(session, album, Album.status == ReleaseStatus.PUBLISHED.value)
    if album.status != ReleaseStatus.PUBLISHED.value:
        raise Conflict("only a published release can be withdrawn", code="not_published")
    set_release_status(session, album=album, status=ReleaseStatus.WITHDRAWN, now=now)
    return album


def delete_draft(session: Session, *, label_id: int, album_id: str) -> list[str]:
    """A draft that was never published goes with its files (the paths returned, to delete after the commit).
    A published or withdrawn release has history (plays, statements) and is never deleted."""
    album = owned_album(session, label_id=label_id, album_id=album_id)
    claim_release(session, album, Album.status == ReleaseStatus.DRAFT.value)
    if album.status != ReleaseStatus.DRAFT.value:
        raise Conflict("only a draft can be deleted; withdraw a published release instead", code="not_a_draft")
    return delete_release(session, album=album)


def releases_of_tracks(session: Session, *, label_id: int, track_ids: list[str]) -> list[str]:
    """The public ids of this label's releases that these tracks are on (what an upload joined), in order."""
    if not track_ids:
        return []
    rows = session.execute(
        select(Track.public_id, Album.public_id)
        .join(Album, Album.id == Track.album_id)
        .where(Track.public_id.in_(track_ids), Album.label_id == label_id)
    )
    by_track: dict[str, str] = dict(rows.all())
    return list(dict.fromkeys(by_track[t] for t in track_ids if t in by_track))
