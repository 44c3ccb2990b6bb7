"""A release's row held for a change, and the one rule of an operator's takedown: while `encore catalog withdraw`
holds a release (`albums.taken_down_from`), its label changes nothing listeners would see of it, not its cover,
title, tracks, lyrics, availability nor the exclusives made on it or with its tracks, and cannot publish it, until
`encore catalog restore` puts it back as it was (probe23 F2: the title, track, lyrics and availability edits went
through and restore published them; review23n F1: a gallery picture and an exclusive's withdraw, which lifted its
track's Premium lock for good). Every such path goes through `hold_release`; the rule itself is `takedown_refusal`.
An ingest's file goes through `hold_for_ingest`, the same hold with the operator's refusal (`ReleaseTakenDown`).

Here in the catalogue rather than in labels, so that exclusives (a layer below labels) hold a release the same way.
It imports no other catalogue writer, so that each of them (`_write`'s `upsert_album`) can hold a release too.
"""

from sqlalchemy import ColumnElement, select, true, update
from sqlalchemy.orm import Session

from encore.catalog._models import Album
from encore.catalog._version import catalogue_changed
from encore.kernel import Conflict, NotFound

TAKEN_DOWN = (
    "This release was taken down by the operator of this server (a takedown notice, for one): nothing of it can be"
    " changed or published from here until they restore it. To ask, contact them; only they can restore it."
)


class ReleaseTakenDown(Conflict):
    """An ingest would change a release the operator took down (`encore catalog withdraw`): it changes nothing of
    it, not its tracks, its facts nor its row, until `encore catalog restore` lifts the takedown (review22m F2)."""

    def __init__(self, album: Album) -> None:
        super().__init__(
            f"its release {album.title!r} ({album.public_id}) is taken down: the file was left out and the release"
            f" left as it was; run the ingest again after `encore catalog restore {album.public_id}` to apply it",
            code="taken_down",
        )


def takedown_refusal(album: Album) -> str | None:
    """Why its label may change nothing of this release now, or None (pure: the row as read, under its lock where
    a change follows). While the operator's takedown holds it (`encore catalog withdraw`, `taken_down_from`), no
    label change to what listeners would see of it lands, so that `encore catalog restore` puts back exactly what
    was taken down (probe23 F2): labels' edits, lyrics, availability, cover and publish, and the exclusives made on
    it or with its tracks (review23n F1), each through `catalog.hold_release`."""
    return TAKEN_DOWN if album.taken_down_from is not None else None


def claim_release(session: Session, album: Album, still: ColumnElement[bool], *, moves_catalogue: bool = True) -> None:
    """Hold the release's row for this change while it is still as read (`still`): the status was read
    before the transaction took its lock, and a publish and a delete sent at once both read "draft", so the
    delete removed a release the publish had just put out (race17); a form saved as the release was
    published put it back to draft (race18). The row's write lock makes the later of the two wait and see
    the other's outcome; the album is read again after it.

    A row lock rather than `db.write_lock("release", id)`: on PostgreSQL it also orders this change after
    (or before) every other write of the album's row, an upload joining the draft or a metadata edit,
    which take no advisory lock; on SQLite the two are the same write lock.

    `moves_catalogue=False` is for a change that writes no catalogue row after the hold (lyrics, an exclusive):
    the catalogue's version is left as it is, so every node's cached views stay (review23n F3: each lyrics save
    cleared them all). Its lock order still holds, since such a change takes no version row after the album's."""
    album_key = album.id  # read before any expiry: a deleted row cannot be loaded again (probe17b: a 500)
    if moves_catalogue:
        catalogue_changed(session)  # the catalogue's lock order: its version row, then the album's (review18)
    held = session.execute(update(Album).where(Album.id == album_key, still).values(status=Album.status))
    if held.rowcount != 1 and session.scalar(select(Album.id).where(Album.id == album_key)) is None:  # type: ignore[attr-defined]
        session.expunge(album)
        raise NotFound("no such release", code="not_found")
    session.refresh(album)


def hold_release(
    session: Session, album: Album, still: ColumnElement[bool] | None = None, *, moves_catalogue: bool = True
) -> None:
    """`claim_release`, then refuse (409 `taken_down`) if the operator took the release down: read under the
    row's lock, so a takedown at this very moment is seen, and the change lands before it or not at all."""
    claim_release(session, album, true() if still is None else still, moves_catalogue=moves_catalogue)
    if (why := takedown_refusal(album)) is not None:
        raise Conflict(why, code="taken_down")


def hold_for_ingest(session: Session, album: Album) -> None:
    """`hold_release` for an ingest's file that names this release (a new file) or is one of its tracks (a changed
    one): refused with `ReleaseTakenDown`, which tells the operator running the ingest how to apply the file later.
    Read under the row's lock, taken in the catalogue's order: the album as first read was checked before (review24s
    H1: a takedown committed after that read, and a new file's track was saved published on the taken-down release),
    and a changed file's hold took the album's row before the version row, against a takedown's order (M1: on
    PostgreSQL the two could deadlock)."""
    claim_release(session, album, true())
    if takedown_refusal(album) is not None:
        raise ReleaseTakenDown(album)
