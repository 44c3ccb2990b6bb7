"""A search word's doc sets, from the process cache or the index: prefixes as typed, and typos.

Each word's sets come from one row when it is a common prefix (`search_prefixes`), else from the few
terms it begins. Typo candidates are looked up by size and an intact beginning or end in the term
index alone (`_search_terms.typo_keys`; both lookups read only an index, never a row), checked by
rapidfuzz, and only the terms that really are a typo away are read, each once per process: the sets
of a term ("=love") are cached beside those of the words typed, so the hundred misspellings of a
common word read its blob once (the first pass read every candidate's blob for every new typo).
Words of one or two letters are kept in their own part of the cache, so that the long tail of other
words cannot evict the sets that every query begins with.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pyroaring import BitMap, FrozenBitMap
from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import BindParameter, Integer, bindparam, literal_column, or_, select
from sqlalchemy.orm import Session

from encore.catalog._cache import Bounded, CatalogueCache, bitmap_weight
from encore.catalog._rows import connection_for_reads, rows_in_chunks
from encore.catalog._search_models import SearchPrefix, SearchTerm
from encore.catalog._search_terms import typo_keys, typos_allowed
from encore.db import RawStatement

_TOP = "\U0010ffff"
SHORT = 2  # words this long or shorter live in the cache's resident part
# Built once: a statement made per call spends more time in SQLAlchemy than in the database.
_KINDS: BindParameter[list[str]] = bindparam("kinds", expanding=True)
_HOT_ROWS = select(SearchPrefix.kind, SearchPrefix.name_docs, SearchPrefix.other_docs).where(
    SearchPrefix.prefix == bindparam("word"), SearchPrefix.kind.in_(_KINDS)
)
_TERMS_OF_ROWS = select(SearchTerm.kind, SearchTerm.name_docs, SearchTerm.other_docs).where(
    SearchTerm.kind.in_(_KINDS), SearchTerm.term >= bindparam("word"), SearchTerm.term < bindparam("word_end")
)
_COLD = _TERMS_OF_ROWS.where(
    SearchTerm.kind.not_in(select(SearchPrefix.kind).where(SearchPrefix.prefix == bindparam("word")))
)
# On the DB-API cursor (db.RawStatement): a missed word's statements cost more in SQLAlchemy's execute path
# than in the database, as the views' did (#16). Their sets come in PostgreSQL's binary protocol (`binary`):
# hex-encoding 250 kB of sets and decoding them again cost ~3x the CPU of sending the bytes.
_HOT = RawStatement(_HOT_ROWS, expanding="kinds", binary=True)
_TERMS_OF = RawStatement(_TERMS_OF_ROWS, expanding="kinds", binary=True)
_PREFIX = RawStatement(_HOT_ROWS.union_all(_COLD), expanding="kinds", binary=True)
# Words this short are almost always common prefixes: their stored row is read first, alone, since the
# statement above still walks every term they begin before its NOT IN drops them (14,000 index entries,
# 1.4-1.8 ms, for "lo" on 1M tracks); the few that are not read their terms in a second statement.
HOT_FIRST = 3
_SIZES: BindParameter[list[int]] = bindparam("sizes", expanding=True)
# Only the (size, term) and (size, rterm) indexes are read: no row, no blob, whatever the kinds. Each term
# once, not once per kind: a common ending ("ocean" keeps "an") sends 932 rows instead of 2,037.
_CANDIDATES = RawStatement(
    select(literal_column("0", Integer), SearchTerm.term)
    .distinct()
    .where(SearchTerm.size.in_(_SIZES), SearchTerm.term >= bindparam("head"), SearchTerm.term < bindparam("head_end"))
    .union_all(
        select(literal_column("1", Integer), SearchTerm.rterm)
        .distinct()
        .where(
            SearchTerm.size.in_(_SIZES), SearchTerm.rterm >= bindparam("tail"), SearchTerm.rterm < bindparam("tail_end")
        )
    ),
    expanding="sizes",
)


@lru_cache(maxsize=8)
def _terms_statement(kinds: tuple[str, ...]) -> RawStatement:
    """Typo terms' sets for these kinds (catalog._search's KINDS, each a value written into the statement: a
    RawStatement takes one IN list, the terms'), on the DB-API cursor and, on PostgreSQL, in binary."""
    return RawStatement(
        select(SearchTerm.kind, SearchTerm.term, SearchTerm.name_docs, SearchTerm.other_docs).where(
            or_(*(SearchTerm.kind == kind for kind in kinds)), SearchTerm.term.in_(bindparam("ids", expanding=True))
        ),
        expanding="ids",
        binary=True,
    )


@dataclass(frozen=True)
class Sets:
    """One word's docs in one kind: with a word of the name beginning it, of the name or context, and also
    with a word a typo away. Cached per process until the stored sets change (catalog._cache)."""

    name: FrozenBitMap
    any: FrozenBitMap
    fuzzy: FrozenBitMap
    cost: int  # bytes read to build it: what it weighs in the cache


@dataclass(frozen=True)
class _TermDocs:
    """Docs with one exact term, in name or context: what a typo of that term adds."""

    docs: FrozenBitMap
    cost: int


NONE = Sets(FrozenBitMap(), FrozenBitMap(), FrozenBitMap(), 0)
_NO_TERM = _TermDocs(FrozenBitMap(), 16)


def _part(cache: CatalogueCache, word: str) -> Bounded[tuple[str, str], object]:
    return cache.short_sets if len(word) <= SHORT else cache.sets


def word_sets(
    session: Session, word: str, kinds: list[str], cache: CatalogueCache | None, built_at: tuple[int, int]
) -> dict[str, Sets]:
    """The word's sets per kind; `built_at` is the cache's generations when the search read the sets'
    version, so sets read for an older version are never kept after a newer one cleared the cache."""
    out: dict[str, Sets] = {}
    for kind in kinds:
        hit = _part(cache, word).get((kind, word)) if cache else None
        if isinstance(hit, Sets):
            out[kind] = hit
    missing = [k for k in kinds if k not in out]
    if missing:
        loaded = _load(session, word, missing, cache, built_at)
        for kind in missing:
            out[kind] = loaded.get(kind, NONE)
            if cache:
                part = _part(cache, word)
                part.put((kind, word), out[kind], built_at=built_at[0] if part is cache.sets else built_at[1])
    return out


def _load(
    session: Session, word: str, kinds: list[str], cache: CatalogueCache | None, built_at: tuple[int, int]
) -> dict[str, Sets]:
    blobs: dict[str, list[tuple[bytes, bytes]]] = defaultdict(list)
    for kind, in_name, in_other in prefix_rows(session, word, kinds):
        blobs[kind].append((in_name, in_other))
    fuzzy = _typo_docs(session, word, kinds, cache, built_at[0]) if typos_allowed(word) else {}
    out = {}
    for kind in set(blobs) | set(fuzzy):
        name, in_any, cost = _prefix_sets(blobs[kind])
        extra = fuzzy[kind] - in_any if kind in fuzzy else None
        # No typo beyond the prefix matches: one set serves both tiers (and is counted once in the cache).
        in_fuzzy = in_any | extra if extra else in_any  # frozen, as its left side
        fuzzy_cost = bitmap_weight(in_fuzzy) if extra else 0  # its own copy
        out[kind] = Sets(name, in_any, in_fuzzy, cost + fuzzy_cost + 64)
    return out


def _prefix_sets(rows: list[tuple[bytes, bytes]]) -> tuple[FrozenBitMap, FrozenBitMap, int]:
    """A word's name set and name-or-context set from its rows (one stored prefix, or the terms it begins),
    deserialized straight into the frozen sets the cache keeps (no copy of a 1M-doc set on the way), and
    their weight: the bytes read, the name set counted twice since it is also within the other."""
    cost = sum(2 * len(in_name) + len(in_other) for in_name, in_other in rows)
    if len(rows) == 1:
        name = FrozenBitMap.deserialize(rows[0][0])
        return name, name | FrozenBitMap.deserialize(rows[0][1]), cost
    names, any_ = BitMap(), BitMap()
    for in_name, in_other in rows:
        docs = BitMap.deserialize(in_name)
        names |= docs
        any_ |= docs
        any_ |= BitMap.deserialize(in_other)
    return FrozenBitMap(names), FrozenBitMap(any_), cost


def prefix_rows(session: Session, word: str, kinds: list[str]) -> Sequence[tuple[str, bytes, bytes]]:
    """Docs with a word beginning `word`: one stored row if it is a common prefix, else its few terms."""
    end, db = word + _TOP, connection_for_reads(session)
    if len(word) > HOT_FIRST:
        return _PREFIX.rows(db, {"word": word, "word_end": end, "kinds": kinds})
    hot = _HOT.rows(db, {"word": word, "kinds": kinds})
    cold = [k for k in kinds if k not in {row[0] for row in hot}]
    if not cold:
        return hot
    return [*hot, *_TERMS_OF.rows(db, {"word": word, "word_end": end, "kinds": cold})]


def typo_terms(session: Session, word: str) -> list[str]:
    """Terms (of any kind) one or two edits from `word`, and not simply longer words it begins: candidates
    share its size (give or take the edits) and an intact beginning or end, then are checked exactly."""
    allowed = typos_allowed(word)
    head, tail = typo_keys(word)
    params = {
        "sizes": list(range(max(len(word) - allowed, 1), len(word) + allowed + 1)),
        "head": head,
        "head_end": head + _TOP,
        "tail": tail,
        "tail_end": tail + _TOP,
    }
    found = {
        term if reversed_ == 0 else term[::-1]
        for reversed_, term in _CANDIDATES.rows(connection_for_reads(session), params)
    }
    near = process.extract(word, list(found), scorer=OSA.distance, score_cutoff=allowed, limit=None)
    return sorted(term for term, _, _ in near if not term.startswith(word))


def _typo_docs(
    session: Session, word: str, kinds: list[str], cache: CatalogueCache | None, built_at: int
) -> dict[str, BitMap]:
    out: dict[str, BitMap] = defaultdict(BitMap)
    missing: list[str] = []
    for term in typo_terms(session, word):
        for kind in kinds:
            hit = cache.sets.get((kind, "=" + term)) if cache else None
            if isinstance(hit, _TermDocs):
                out[kind] |= hit.docs
            elif term not in missing:
                missing.append(term)
    if not missing:
        return out
    read: dict[tuple[str, str], _TermDocs] = {}
    statement, db = _terms_statement(tuple(kinds)), connection_for_reads(session)
    for kind, term, in_name, in_other in rows_in_chunks(statement, db, missing):
        docs = BitMap.deserialize(in_name) | BitMap.deserialize(in_other)
        read[kind, term] = _TermDocs(FrozenBitMap(docs), len(in_name) + len(in_other) + 64)
    for term in missing:
        for kind in kinds:
            found = read.get((kind, term), _NO_TERM)
            out[kind] |= found.docs
            if cache:
                cache.sets.put((kind, "=" + term), found, built_at=built_at)
    return out
