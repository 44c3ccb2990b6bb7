"""Find and rank: the words' doc sets from the index, combined into tiers, paged in popularity order.

Each word's sets come from one row when it is a common prefix (`search_prefixes`), else from the few
terms it begins; typo candidates are looked up by size and an intact end (`_search_terms.typo_keys`).
Docs are numbered by popularity, so every set is already in ranking order: a page is a slice, and the
total is exact. Tiers, best first: the whole name is the query; every word begins a word of the name;
every word begins a word of the name or its context (artists, album); every word matches with typos.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from pyroaring import BitMap, FrozenBitMap
from sqlalchemy import BindParameter, and_, bindparam, or_, select, true
from sqlalchemy.orm import Session

from encore.catalog._cache import CatalogueCache
from encore.catalog._search_models import SearchDoc, SearchPrefix, SearchTerm
from encore.catalog._search_terms import is_typo_of, match_tiers, terms, typo_keys, typos_allowed
from encore.catalog._version import sets_version

_TOP = "\U0010ffff"
# Built once: a statement made per call spends more time in SQLAlchemy than in the database.
_KINDS: BindParameter[list[str]] = bindparam("kinds", expanding=True)
_EXACT = (
    select(SearchDoc.doc)
    .where(SearchDoc.kind == bindparam("kind"), SearchDoc.name == bindparam("name"))
    .order_by(SearchDoc.doc)
    .limit(bindparam("first"))
)
_CHANGED = select(SearchDoc.kind, SearchDoc.doc, SearchDoc.name, SearchDoc.context).where(
    SearchDoc.dirty == true(), SearchDoc.kind.in_(_KINDS)
)
_ENTITIES = select(SearchDoc.doc, SearchDoc.entity_id).where(
    SearchDoc.kind == bindparam("kind"), SearchDoc.doc.in_(bindparam("docs", expanding=True))
)
_HOT = select(SearchPrefix.kind, SearchPrefix.name_docs, SearchPrefix.other_docs).where(
    SearchPrefix.prefix == bindparam("word"), SearchPrefix.kind.in_(_KINDS)
)
_COLD = select(SearchTerm.kind, SearchTerm.name_docs, SearchTerm.other_docs).where(
    SearchTerm.kind.in_(_KINDS),
    SearchTerm.term >= bindparam("word"),
    SearchTerm.term < bindparam("word_end"),
    SearchTerm.kind.not_in(select(SearchPrefix.kind).where(SearchPrefix.prefix == bindparam("word"))),
)
_PREFIX = _HOT.union_all(_COLD)
_TYPOS = select(SearchTerm.kind, SearchTerm.term, SearchTerm.name_docs, SearchTerm.other_docs).where(
    SearchTerm.size.in_(bindparam("sizes", expanding=True)),
    or_(
        and_(SearchTerm.term >= bindparam("head"), SearchTerm.term < bindparam("head_end")),
        and_(SearchTerm.rterm >= bindparam("tail"), SearchTerm.rterm < bindparam("tail_end")),
    ),
    SearchTerm.kind.in_(_KINDS),
)


@dataclass(frozen=True)
class Hits:
    entity_ids: list[int]
    total: int


@dataclass(frozen=True)
class _Sets:
    """One word's docs in one kind: with a word of the name beginning it, of the name or context, and also
    with a word a typo away. Cached per process until the stored sets change (catalog._cache)."""

    name: FrozenBitMap
    any: FrozenBitMap
    fuzzy: FrozenBitMap
    cost: int  # bytes read to build it: what it weighs in the cache


_NONE = _Sets(FrozenBitMap(), FrozenBitMap(), FrozenBitMap(), 0)


def _load(session: Session, word: str, kinds: list[str]) -> dict[str, _Sets]:
    name: dict[str, BitMap] = defaultdict(BitMap)
    any_: dict[str, BitMap] = defaultdict(BitMap)
    fuzzy: dict[str, BitMap] = defaultdict(BitMap)
    cost: dict[str, int] = defaultdict(int)
    for kind, in_name, in_other in _prefix_rows(session, word, kinds):
        docs = BitMap.deserialize(in_name)
        name[kind] |= docs
        any_[kind] |= docs | BitMap.deserialize(in_other)
        cost[kind] += 2 * len(in_name) + len(in_other)  # the name set, and within the name-or-context set
    if typos_allowed(word):
        for kind, in_name, in_other in _typo_rows(session, word, kinds):
            fuzzy[kind] |= BitMap.deserialize(in_name) | BitMap.deserialize(in_other)
            cost[kind] += len(in_name) + len(in_other)
    out = {}
    for kind in set(name) | set(fuzzy):
        in_any = FrozenBitMap(any_[kind])
        # No typo beyond the prefix matches: one set serves both tiers (and is counted once in the cache).
        in_fuzzy = FrozenBitMap(in_any | fuzzy[kind]) if fuzzy[kind] - any_[kind] else in_any
        out[kind] = _Sets(FrozenBitMap(name[kind]), in_any, in_fuzzy, cost[kind] + 64)
    return out


def _word_sets(session: Session, word: str, kinds: list[str], cache: CatalogueCache | None) -> dict[str, _Sets]:
    out: dict[str, _Sets] = {}
    for kind in kinds:
        hit = cache.sets.get((kind, word)) if cache else None
        if isinstance(hit, _Sets):
            out[kind] = hit
    missing = [k for k in kinds if k not in out]
    if missing:
        loaded = _load(session, word, missing)
        for kind in missing:
            out[kind] = loaded.get(kind, _NONE)
            if cache:
                cache.sets.put((kind, word), out[kind])
    return out


def _prefix_rows(session: Session, word: str, kinds: list[str]) -> Iterator[tuple[str, bytes, bytes]]:
    """Docs with a word beginning `word`: one stored row if it is a common prefix, else its few terms."""
    yield from session.execute(_PREFIX, {"word": word, "word_end": word + _TOP, "kinds": kinds})


def _typo_rows(session: Session, word: str, kinds: list[str]) -> Iterator[tuple[str, bytes, bytes]]:
    """Docs with a word one or two edits from `word`: candidates share its size (give or take the edits)
    and an intact beginning or end, looked up in the term index, then checked exactly."""
    allowed = typos_allowed(word)
    head, tail = typo_keys(word)
    params = {
        "sizes": list(range(max(len(word) - allowed, 1), len(word) + allowed + 1)),
        "head": head,
        "head_end": head + _TOP,
        "tail": tail,
        "tail_end": tail + _TOP,
        "kinds": kinds,
    }
    for kind, term, name, other in session.execute(_TYPOS, params):
        if is_typo_of(word, term):
            yield kind, name, other


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


def _intersect(per_word: list[_Sets]) -> _Tiers:
    """All words must match: the words' sets intersected (the cached sets themselves are never changed)."""
    tiers = _Tiers(name=per_word[0].name, any=per_word[0].any, fuzzy=per_word[0].fuzzy)
    for sets in per_word[1:]:
        tiers.name = tiers.name & sets.name
        tiers.any = tiers.any & sets.any
        tiers.fuzzy = tiers.fuzzy & sets.fuzzy
    return tiers


def _exact(session: Session, full: str, kinds: list[str], tiers: dict[str, _Tiers], first: int) -> None:
    """Docs named exactly as the query come first. They are among the name matches already (so the total
    does not change), and only the first `first` of them can reach the page: the index reads no more."""
    for kind in kinds:
        found = BitMap(session.scalars(_EXACT, {"kind": kind, "name": full, "first": first}))
        tiers[kind].exact = found & tiers[kind].name  # always within; the & keeps the sizes honest


def _changed(session: Session, words: list[str], kinds: list[str], tiers: dict[str, _Tiers]) -> None:
    """Docs changed since the last compaction, whose stored sets may be out of date: what those sets say
    of them is dropped, and they are matched as they are now."""
    rows = session.execute(_CHANGED, {"kinds": kinds})
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


def _entities(session: Session, kind: str, docs: list[int]) -> list[int]:
    if not docs:
        return []
    found = dict(session.execute(_ENTITIES, {"kind": kind, "docs": docs}).all())
    return [found[d] for d in docs if d in found]


def find(
    session: Session,
    *,
    words: list[str],
    full: str,
    kinds: list[str],
    limit: int,
    offset: int,
    cache: CatalogueCache | None = None,
) -> dict[str, Hits]:
    """The page of each kind's matches, best first, with the exact number of matches."""
    if cache:
        cache.sets_at(sets_version(session))
    per_kind: dict[str, list[_Sets]] = {k: [] for k in kinds}
    for word in words:
        sets = _word_sets(session, word, kinds, cache)
        for kind in kinds:
            per_kind[kind].append(sets[kind])
    tiers = {kind: _intersect(per_kind[kind]) for kind in kinds}
    _changed(session, words, kinds, tiers)
    _exact(session, full, kinds, tiers, first=offset + limit)
    pages = {kind: _page(tiers[kind], limit, offset) for kind in kinds}
    return {kind: Hits(_entities(session, kind, docs), total) for kind, (docs, total) in pages.items()}
