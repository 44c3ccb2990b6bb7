"""Find and rank: the words' doc sets from the index, combined into tiers, paged in popularity order.

Docs are numbered by popularity, so every set is already in ranking order: a page is a slice, and the
total is exact. Tiers, best first: the whole name is the query; every word begins a word of the name;
every word begins a word of the name or its context (artists, album); every word matches with typos.

A warm search sends one statement (`_preamble`: the stored sets' version, the docs changed since the
last compaction, and each kind's docs named exactly as the query); word sets come from the process
cache (catalog._search_sets), and a page's doc numbers map to entity ids from the cache too, which is
safe because a doc that is not dirty keeps its number until the stored sets' version moves.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from pyroaring import BitMap, FrozenBitMap
from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    bindparam,
    column,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from encore.catalog._cache import CatalogueCache
from encore.catalog._rows import connection_for_reads, rows_in_chunks
from encore.catalog._search_index import dirty_docs
from encore.catalog._search_models import SearchDoc
from encore.catalog._search_sets import Sets, word_sets
from encore.catalog._search_terms import match_tiers, terms
from encore.catalog._version import CatalogueVersion
from encore.db import RawStatement


@dataclass(frozen=True)
class Hits:
    entity_ids: list[int]
    total: int


def _tag(value: str) -> ColumnElement[str]:
    return literal_column(f"'{value}'", String)


@lru_cache(maxsize=32)
def _preamble_statement(dialect: str, kinds: tuple[str, ...]) -> RawStatement:
    version = select(
        _tag("v"), _tag(""), CatalogueVersion.sets, literal_column("0", Integer), _tag(""), _tag("")
    ).where(CatalogueVersion.id == 1)
    changed = (
        column("kind", String),
        column("doc", Integer),
        column("entity_id", Integer),
        column("name", String),
        column("context", String),
    )
    # the kinds (KINDS constants) written into the text: a RawStatement takes one IN list, and this has no other
    parts = [version, dirty_docs(dialect, _tag("d"), *changed).where(column("kind").in_([_tag(k) for k in kinds]))]
    for kind in kinds:
        named = (
            select(SearchDoc.doc, SearchDoc.entity_id)
            .where(SearchDoc.kind == kind, SearchDoc.name == bindparam("name"))
            .order_by(SearchDoc.doc)
            .limit(bindparam("first"))
            .subquery()
        )
        parts.append(select(_tag("x"), _tag(kind), named.c.doc, named.c.entity_id, _tag(""), _tag("")))
    return RawStatement(union_all(*parts))


# One kind's docs at a time on the DB-API cursor: through SQLAlchemy, the union of each kind's IN list cost
# more CPU than the search's intersections (0.6-0.9 ms of a new two-word query, #16).
_ENTITIES = RawStatement(
    select(SearchDoc.doc, SearchDoc.entity_id).where(
        SearchDoc.kind == bindparam("kind"), SearchDoc.doc.in_(bindparam("ids", expanding=True))
    ),
    expanding="ids",
)


@dataclass
class _Preamble:
    version: int = 0
    dirty: list[tuple[str, int, str, str]] = field(default_factory=list)
    exact: dict[str, BitMap] = field(default_factory=dict)
    entities: dict[tuple[str, int], int] = field(default_factory=dict)  # of dirty and exact docs
    dirty_docs: set[tuple[str, int]] = field(default_factory=set)


def _preamble(session: Session, kinds: list[str], full: str, first: int) -> _Preamble:
    db = connection_for_reads(session)
    out = _Preamble(exact={k: BitMap() for k in kinds})
    rows = _preamble_statement(db.dialect.name, tuple(kinds)).rows(db, {"name": full, "first": first})
    for tag, kind, doc, entity_id, name, context in rows:
        if tag == "v":
            out.version = doc or 0
            continue
        out.entities[kind, doc] = entity_id
        if tag == "x":
            out.exact[kind].add(doc)
        else:
            out.dirty.append((kind, doc, name, context))
            out.dirty_docs.add((kind, doc))
    return out


def preamble(session: Session, kinds: list[str], full: str, first: int) -> _Preamble:
    """The stored sets' version, the kinds' dirty docs as they are now, and their first docs named `full`."""
    return _preamble(session, kinds, full, first)


@dataclass
class _Tiers:
    """A kind's matches: `exact` within `name` within `any` within `fuzzy` (each word's sets nest so, and so
    do their intersections), which makes every tier's size a difference of sizes."""

    name: BitMap | FrozenBitMap
    any: BitMap | FrozenBitMap
    fuzzy: BitMap | FrozenBitMap
    exact: BitMap = field(default_factory=BitMap)

    def sizes(self) -> list[int]:
        return [
            len(self.exact),
            len(self.name) - len(self.exact),
            len(self.any) - len(self.name),
            len(self.fuzzy) - len(self.any),
        ]

    def tier(self, i: int) -> BitMap | FrozenBitMap:
        """The i-th tier as a set, best first (built only for a page that reaches it)."""
        if i == 0:
            return self.exact
        if i == 1:
            return self.name - self.exact if self.exact else self.name
        return self.any - self.name if i == 2 else self.fuzzy - self.any


def _intersect(per_word: list[Sets]) -> _Tiers:
    """All words must match: the words' sets intersected (the cached sets themselves are never changed),
    the rarest word first. A word whose typos add nothing holds one set for both tiers (`fuzzy is any`):
    when every word does, so does their intersection, and it is computed once."""
    ordered = sorted(per_word, key=lambda sets: len(sets.fuzzy))
    tiers = _Tiers(name=ordered[0].name, any=ordered[0].any, fuzzy=ordered[0].fuzzy)
    for sets in ordered[1:]:
        same = tiers.fuzzy is tiers.any and sets.fuzzy is sets.any
        tiers.name = tiers.name & sets.name
        tiers.any = tiers.any & sets.any
        tiers.fuzzy = tiers.any if same else tiers.fuzzy & sets.fuzzy
    return tiers


def _changed(rows: list[tuple[str, int, str, str]], words: list[str], tiers: dict[str, _Tiers]) -> None:
    """Docs changed since the last compaction, whose stored sets may be out of date: what those sets say
    of them is dropped, and they are matched as they are now."""
    owned: dict[str, tuple[BitMap, BitMap, BitMap]] = {}
    for kind, doc, name, context in rows:
        if kind not in owned:
            t = tiers[kind]
            t.name, t.any, t.fuzzy = owned[kind] = BitMap(t.name), BitMap(t.any), BitMap(t.fuzzy)
        in_name, in_any, in_fuzzy = owned[kind]
        tier = match_tiers(words, terms(name), terms(context))
        for docs, keep in ((in_name, tier == 1), (in_any, tier in (1, 2)), (in_fuzzy, tier is not None)):
            if keep:
                docs.add(doc)
            else:
                docs.discard(doc)


def _everything(docs: BitMap | FrozenBitMap) -> _Tiers:
    """A kind asked with field filters and no words: every doc they allow, in popularity order, one tier."""
    return _Tiers(name=docs, any=docs, fuzzy=docs)


def _page(tiers: _Tiers, limit: int, offset: int) -> tuple[list[int], int]:
    sizes = tiers.sizes()
    docs: list[int] = []
    skip = offset
    for i, size in enumerate(sizes):
        if len(docs) >= limit:
            break
        if skip >= size:
            skip -= size
            continue
        docs.extend(tiers.tier(i)[skip : skip + limit - len(docs)])
        skip = 0
    return docs, sum(sizes)


def _entities(
    session: Session,
    pages: dict[str, Sequence[int]],
    first: _Preamble,
    cache: CatalogueCache | None,
    built_at: int,
) -> dict[tuple[str, int], int]:
    """Entity ids of the pages' docs: from the preamble (dirty and exact docs), the cache, then one statement
    for the rest. Only docs that are not dirty are cached: their numbers hold until the sets' version moves."""
    known = dict(first.entities)
    wanted: dict[str, list[int]] = {kind: [] for kind in pages}
    for kind, docs in pages.items():
        for doc in docs:
            if (kind, doc) in known:
                continue
            hit = cache.docs.get((kind, doc)) if cache else None
            if hit is None:
                wanted[kind].append(doc)
            else:
                known[kind, doc] = hit
    if asked := {kind: docs for kind, docs in wanted.items() if docs}:
        db = connection_for_reads(session)
        for kind, docs in asked.items():
            for doc, entity_id in rows_in_chunks(_ENTITIES, db, docs, {"kind": kind}):
                known[kind, doc] = entity_id
                if cache:
                    cache.docs.put((kind, doc), entity_id, built_at=built_at)
    if cache:
        for (kind, doc), entity_id in first.entities.items():
            if (kind, doc) not in first.dirty_docs:
                cache.docs.put((kind, doc), entity_id, built_at=built_at)
    return known


def find(
    session: Session,
    *,
    words: list[str],
    full: str,
    kinds: list[str],
    limit: int,
    offset: int,
    cache: CatalogueCache | None = None,
    allowed: Mapping[str, BitMap | FrozenBitMap] | None = None,
) -> dict[str, Hits]:
    """The page of each kind's matches, best first, with the exact number of matches. `allowed` narrows a kind
    to those docs (its field filters, catalog._search_filters); with no words, a kind in it finds them all."""
    allowed = allowed or {}
    first = _preamble(session, kinds, full, offset + limit)
    built_at = (0, 0, 0)
    if cache:
        cache.sets_at(first.version)
        built_at = (cache.sets.generation, cache.short_sets.generation, cache.docs.generation)
    per_kind: dict[str, list[Sets]] = {k: [] for k in kinds}
    for word in words:
        sets = word_sets(session, word, kinds, cache, built_at[:2])
        for kind in kinds:
            per_kind[kind].append(sets[kind])
    tiers = {kind: _intersect(per_kind[kind]) if words else _everything(allowed[kind]) for kind in kinds}
    if words:
        _changed(first.dirty, words, tiers)
    for kind in kinds:
        if kind in allowed:
            t = tiers[kind]
            t.name, t.any, t.fuzzy = t.name & allowed[kind], t.any & allowed[kind], t.fuzzy & allowed[kind]
        tiers[kind].exact = first.exact[kind] & tiers[kind].name  # always within; the & keeps the sizes honest
    pages = {kind: _page(tiers[kind], limit, offset) for kind in kinds}
    ids = _entities(session, {k: docs for k, (docs, _) in pages.items()}, first, cache, built_at[2])
    return {
        kind: Hits([ids[kind, d] for d in docs if (kind, d) in ids], total) for kind, (docs, total) in pages.items()
    }
