"""Keep search_docs in step with the catalogue. The FTS5 / tsvector side follows by trigger/generated column."""

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from encore.catalog._models import SearchDoc
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
