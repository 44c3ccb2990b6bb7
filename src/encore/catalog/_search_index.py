"""Keep the search index in step with the catalogue: ingest, label edits and ads call these.

A write only touches the entity's `search_docs` row (new text, `dirty`), so ingesting a track costs one
small row whatever the catalogue's size; searches lay the dirty docs over the stored sets. `compact`
folds them into `search_terms` / `search_prefixes` (each changed set rewritten once), when COMPACT_AT
docs are dirty, at the end of an ingest run, and in `encore search rebuild`.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from pyroaring import BitMap
from sqlalchemy import ColumnElement, Select, column, delete, func, select, text, true
from sqlalchemy.orm import Session

from encore.catalog._models import Album, Track
from encore.catalog._search_models import SearchDoc, SearchPrefix, SearchTerm
from encore.catalog._search_terms import terms
from encore.catalog._text import fold
from encore.catalog._version import catalogue_changed, sets_changed

COMPACT_AT = 256  # dirty docs a query may have to lay over the stored sets
_CHUNK = 500
DIRTY_INDEX = "ix_search_docs_dirty"


def dirty_docs(dialect: str, *columns: ColumnElement[Any]) -> Select[Any]:
    """`columns` of the docs changed since the last compaction (name them with `column("kind")` etc.).

    On SQLite through their partial index, named: statistics taken while many docs were dirty (an ANALYZE
    after a bulk import) would otherwise make SQLite scan all of `search_docs` on every search and every
    write, for good, since it never re-analyses by itself. PostgreSQL's autovacuum re-analyses after the
    compaction's updates, so its plan recovers on its own (and the partial index is all it can read)."""
    source = text(f"search_docs INDEXED BY {DIRTY_INDEX}") if dialect == "sqlite" else SearchDoc.__table__
    return select(*columns).select_from(source).where(column("dirty") == true())


def index_entity(session: Session, *, kind: str, entity_id: int, name: str, context: str = "") -> None:
    folded_name, folded_context = fold(name)[:500], fold(context)[:1000]
    doc = session.scalar(select(SearchDoc).where(SearchDoc.kind == kind, SearchDoc.entity_id == entity_id))
    if doc is None:
        top = session.scalar(select(func.max(SearchDoc.doc)).where(SearchDoc.kind == kind))
        session.add(
            SearchDoc(
                kind=kind,
                entity_id=entity_id,
                doc=0 if top is None else top + 1,  # newcomers rank last until the next rebuild
                name=folded_name,
                context=folded_context,
                dirty=True,
            )
        )
    elif (doc.name, doc.context) != (folded_name, folded_context):
        doc.name, doc.context, doc.dirty = folded_name, folded_context, True
    else:
        return
    catalogue_changed(session)
    session.flush()
    _compact_when_due(session)


def unindex_entity(session: Session, *, kind: str, entity_id: int) -> None:
    """The entity leaves search at once; its numbers leave the stored sets at the next compaction."""
    doc = session.scalar(select(SearchDoc).where(SearchDoc.kind == kind, SearchDoc.entity_id == entity_id))
    if doc is None:
        return
    if doc.stored_name is None and doc.stored_context is None:
        session.delete(doc)
    else:
        doc.name, doc.context, doc.dirty = "", "", True
    catalogue_changed(session)
    session.flush()


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


def _compact_when_due(session: Session) -> None:
    waiting = dirty_docs(session.get_bind().dialect.name, column("id")).subquery()
    dirty = session.scalar(select(func.count()).select_from(waiting))
    if (dirty or 0) >= COMPACT_AT:
        compact(session)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class _Delta:
    """Doc numbers to add to and remove from one term's or prefix's name and other sets."""

    def __init__(self) -> None:
        self.add: dict[str, BitMap] = {"name": BitMap(), "other": BitMap()}
        self.remove: dict[str, BitMap] = {"name": BitMap(), "other": BitMap()}

    def apply(self, field: str, stored: bytes | None) -> bytes:
        docs = BitMap.deserialize(stored) if stored else BitMap()
        docs -= self.remove[field]
        docs |= self.add[field]
        return bytes(docs.serialize())

    def empty_after(self, name: bytes, other: bytes) -> bool:
        return not BitMap.deserialize(name) and not BitMap.deserialize(other)


def _prefixes(word: str) -> Iterable[str]:
    return (word[:n] for n in range(1, len(word) + 1))


def compact(session: Session) -> int:
    """Fold every dirty doc into the stored sets; returns how many were folded in."""
    ids = list(session.scalars(dirty_docs(session.get_bind().dialect.name, column("id"))))
    dirty: list[SearchDoc] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(SearchDoc).where(SearchDoc.id.in_(chunk), SearchDoc.dirty == true()).with_for_update()
        dirty += session.scalars(query)
    by_kind: dict[str, list[SearchDoc]] = defaultdict(list)
    for doc in dirty:
        by_kind[doc.kind].append(doc)
    for kind, docs in by_kind.items():
        _fold_in(session, kind, docs)
    if dirty:
        sets_changed(session)
    for doc in dirty:
        if not doc.name and not doc.context:
            session.delete(doc)
        else:
            doc.stored_name, doc.stored_context, doc.dirty = doc.name, doc.context, False
    session.flush()
    return len(dirty)


def _fold_in(session: Session, kind: str, docs: list[SearchDoc]) -> None:
    term_deltas: dict[str, _Delta] = defaultdict(_Delta)
    now: dict[int, dict[str, frozenset[str]]] = {}
    before: dict[int, dict[str, frozenset[str]]] = {}
    for doc in docs:
        now[doc.doc] = {"name": terms(doc.name), "other": terms(doc.context)}
        before[doc.doc] = {"name": terms(doc.stored_name or ""), "other": terms(doc.stored_context or "")}
        for field in ("name", "other"):
            for t in now[doc.doc][field] - before[doc.doc][field]:
                term_deltas[t].add[field].add(doc.doc)
            for t in before[doc.doc][field] - now[doc.doc][field]:
                term_deltas[t].remove[field].add(doc.doc)
    _write_terms(session, kind, term_deltas)
    touched = {p for t in term_deltas for p in _prefixes(t)}
    prefix_deltas: dict[str, _Delta] = defaultdict(_Delta)
    for chunk in _chunks(sorted(touched)):
        for row in session.scalars(
            select(SearchPrefix).where(SearchPrefix.kind == kind, SearchPrefix.prefix.in_(chunk)).with_for_update()
        ):
            delta = prefix_deltas[row.prefix]
            for number, fields in now.items():
                for field in ("name", "other"):
                    if any(t.startswith(row.prefix) for t in fields[field]):
                        delta.add[field].add(number)
                    elif any(t.startswith(row.prefix) for t in before[number][field]):
                        delta.remove[field].add(number)
            row.name_docs = delta.apply("name", row.name_docs)
            row.other_docs = delta.apply("other", row.other_docs)


def _write_terms(session: Session, kind: str, deltas: dict[str, _Delta]) -> None:
    stored: dict[str, SearchTerm] = {}
    for chunk in _chunks(sorted(deltas)):
        query = select(SearchTerm).where(SearchTerm.kind == kind, SearchTerm.term.in_(chunk)).with_for_update()
        stored.update((row.term, row) for row in session.scalars(query))
    for term, delta in deltas.items():
        row = stored.get(term)
        name, other = (
            delta.apply("name", row.name_docs if row else None),
            delta.apply("other", row.other_docs if row else None),
        )
        if delta.empty_after(name, other):
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                SearchTerm(kind=kind, term=term, size=len(term), rterm=term[::-1], name_docs=name, other_docs=other)
            )
        else:
            row.name_docs, row.other_docs = name, other


def clear(session: Session, kind: str) -> None:
    session.execute(delete(SearchTerm).where(SearchTerm.kind == kind))
    session.execute(delete(SearchPrefix).where(SearchPrefix.kind == kind))
