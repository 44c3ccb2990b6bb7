"""The one gate between a listener's library and the catalogue: only what the catalogue lists as music can be
saved, starred, rated, queued or put in a playlist. Ad audio is ordinary tracks and albums flagged `is_ad`
(and an artist with nothing but ads is hidden), so an ad's id answers "not found" here exactly as it does
when browsing. Removing still resolves every id, so anything saved before this gate can be taken out again.
"""

from collections.abc import Collection

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from encore.catalog import Album, Artist, Track, hidden_artists, music_album, music_track
from encore.kernel import is_public_id

Item = type[Track] | type[Album] | type[Artist]


def _listed(session: Session, model: Item) -> ColumnElement[bool]:
    if model is Track:
        return music_track()
    if model is Album:
        return music_album()
    hidden = hidden_artists(session)
    return Artist.id.not_in(hidden) if hidden else true()


def resolve(session: Session, model: Item, public_ids: Collection[str], *, music_only: bool) -> dict[str, int]:
    """Public id -> row id for the ids that exist (and, with `music_only`, that the catalogue lists)."""
    wanted = {p for p in public_ids if is_public_id(p)}
    if not wanted:
        return {}
    query = select(model.public_id, model.id).where(model.public_id.in_(wanted))
    if music_only:
        query = query.where(_listed(session, model))
    return {str(p): int(i) for p, i in session.execute(query).all()}
