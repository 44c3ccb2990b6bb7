"""Keep search_docs in step with the catalogue. The FTS5 / tsvector side follows by trigger/generated column."""

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from encore.catalog._models import Album, SearchDoc, Track
from encore.catalog._text import fold


def index_entity(session: Session, *, kind: str, entity_id: int, name: str, context: str = "") -> None:
    doc = session.scalar(select(SearchDoc).where(SearchDoc.kind == kind, SearchDoc.entity_id == entity_id))
    folded_name, folded_context = fold(name)[:500], fold(context)[:1000]
    if doc is None:
        session.add(SearchDoc(kind=kind, entity_id=entity_id, name=folded_name, context=folded_context))
    elif (doc.name, doc.context) != (folded_name, folded_context):
        doc.name, doc.context = folded_name, folded_context


def unindex_entity(session: Session, *, kind: str, entity_id: int) -> None:
    session.execute(delete(SearchDoc).where(SearchDoc.kind == kind, SearchDoc.entity_id == entity_id))


def reindex_album(session: Session, album: Album) -> None:
    """After an edit (a label renaming a release): the album's entry, and its tracks', whose context names
    the album, say what the rows now say, as ingest would have written them."""
    artists = " ".join(a.artist.name for a in album.artists)
    index_entity(session, kind="album", entity_id=album.id, name=album.title, context=artists)
    for track in session.scalars(select(Track).where(Track.album_id == album.id)):
        reindex_track(session, track, album_title=album.title)


def reindex_track(session: Session, track: Track, *, album_title: str) -> None:
    names = " ".join([*(a.artist.name for a in sorted(track.artists, key=lambda a: a.position)), album_title])
    index_entity(session, kind="track", entity_id=track.id, name=track.title, context=names)
