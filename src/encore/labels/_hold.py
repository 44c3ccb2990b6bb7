"""A release's row held for a label's change, and the one rule of an operator's takedown for labels: while
`encore catalog withdraw` holds a release (`albums.taken_down_from`), its label changes nothing listeners would
see of it, not its cover, title, tracks, lyrics nor availability, and cannot publish it, until `encore catalog
restore` puts it back as it was (probe23 F2: the title, track, lyrics and availability edits went through and
restore published them). Every label path that changes a release goes through `hold_release`; the rule itself
is `catalog.takedown_refusal`, which exclusives made on a release ask too."""

from sqlalchemy import ColumnElement, select, true, update
from sqlalchemy.orm import Session

from encore.catalog import Album, catalogue_changed, takedown_refusal
from encore.kernel import Conflict, NotFound

CONTACT = "contact them; only they can restore it."


def claim_release(session: Session, album: Album, still: ColumnElement[bool]) -> None:
    """Hold the release's row for this change while it is still as read (`still`): the status was read
    before the transaction took its lock, and a publish and a delete sent at once both read "draft", so the
    delete removed a release the publish had just put out (race17); a form saved as the release was
    published put it back to draft (race18). The row's write lock makes the later of the two wait and see
    the other's outcome; the album is read again after it.

    A row lock rather than `db.write_lock("release", id)`: on PostgreSQL it also orders this change after
    (or before) every other write of the album's row, an upload joining the draft or a metadata edit,
    which take no advisory lock; on SQLite the two are the same write lock."""
    album_key = album.id  # read before any expiry: a deleted row cannot be loaded again (probe17b: a 500)
    catalogue_changed(session)  # the catalogue's lock order: its version row, then the album's (review18)
    held = session.execute(update(Album).where(Album.id == album_key, still).values(status=Album.status))
    if held.rowcount != 1 and session.scalar(select(Album.id).where(Album.id == album_key)) is None:  # type: ignore[attr-defined]
        session.expunge(album)
        raise NotFound("no such release", code="not_found")
    session.refresh(album)


def hold_release(session: Session, album: Album, still: ColumnElement[bool] | None = None) -> None:
    """`claim_release`, then refuse (409 `taken_down`) if the operator took the release down: read under the
    row's lock, so a takedown at this very moment is seen, and the change lands before it or not at all."""
    claim_release(session, album, true() if still is None else still)
    if (why := takedown_refusal(album)) is not None:
        raise Conflict(why, code="taken_down")
