"""Text filters (`track:`, `artist:`, `album:`) read from the search index, never from every doc's name.

A text filter holds for a doc when every word of its value is *in* the doc's folded name (contained, not a
word's beginning: "ray" finds "Murray"; catalog._search_filters). A word is letters and digits only (`\\w+`),
so it can only lie inside one word of the name: the docs that hold it are the union of the name sets of the
index's terms that contain it. The kind's terms are read once per process and stored-sets version (one
statement over the terms' key, a few MB at 1M tracks), a word's terms found in them with `str.find`, and the
union kept per word in the sets cache. Two sorts of docs are checked against their names instead, so the
answer is exactly that of a LIKE over every name (review15 measured 0.3 s for `track:love` at 400k tracks):
- dirty docs (changed since the last compaction), whose stored sets say what they were: read as they are now,
  as the search itself reads them (catalog._search_engine);
- docs with a term MAX_TERM long, since the index cuts longer words (the word may lie past the cut).
"""

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pyroaring import BitMap, FrozenBitMap
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from encore.catalog._cache import CatalogueCache, bitmap_weight
from encore.catalog._rows import connection_for_reads, rows_in_chunks
from encore.catalog._search_engine import preamble
from encore.catalog._search_models import SearchDoc, SearchTerm
from encore.catalog._search_sets import prefix_rows
from encore.catalog._search_terms import MAX_TERM, MAX_WORDS
from encore.catalog._text import search_words
from encore.db import RawStatement

# The kind's terms as one string (each between newlines: no word holds one), and those the index may have cut.
_VOCABULARY = RawStatement(
    select(func.aggregate_strings(SearchTerm.term, "\n")).where(SearchTerm.kind == bindparam("kind"))
)
_CUT = RawStatement(select(SearchTerm.term).where(SearchTerm.size >= MAX_TERM, SearchTerm.kind == bindparam("kind")))
_NAME_SETS = RawStatement(
    select(SearchTerm.name_docs).where(
        SearchTerm.kind == bindparam("kind"), SearchTerm.term.in_(bindparam("ids", expanding=True))
    ),
    expanding="ids",
    binary=True,
)
# A word inside this many terms ("a", "an") has its sets read in one statement that finds the terms itself
# (instr / strpos: exact, as `in`), not in hundreds of lists of 200.
MANY_TERMS = 2000


@lru_cache(maxsize=2)
def _sets_holding(dialect: str) -> RawStatement:
    where = func.strpos if dialect == "postgresql" else func.instr
    return RawStatement(
        select(SearchTerm.name_docs).where(
            SearchTerm.kind == bindparam("kind"), where(SearchTerm.term, bindparam("word")) > 0
        ),
        binary=True,
    )


_NAMES = RawStatement(
    select(SearchDoc.doc, SearchDoc.name).where(
        SearchDoc.kind == bindparam("kind"), SearchDoc.doc.in_(bindparam("ids", expanding=True))
    ),
    expanding="ids",
)


def filter_words(value: str) -> list[str]:
    """A text filter's words, folded and cut as the index folds and cuts them."""
    return [w[:MAX_TERM] for w in dict.fromkeys(search_words(value))][:MAX_WORDS]


def holds(words: Sequence[str], name: str) -> bool:
    """The filter's rule on one folded name (what `name LIKE '%word%'` said for each word)."""
    return bool(name) and all(w in name for w in words)


@dataclass(frozen=True)
class Vocabulary:
    """A kind's terms, each between newlines, searched with `str.find` (a few ms for 170k terms)."""

    text: str
    cut: tuple[str, ...]  # terms MAX_TERM long: words the index may have cut
    cost: int

    @classmethod
    def of(cls, terms: str, cut: Iterable[str]) -> "Vocabulary":
        text, cut = f"\n{terms}\n", tuple(cut)
        # what Python holds: 1, 2 or 4 bytes a character by the widest one (one astral term makes it 4: review16)
        return cls(text, cut, sys.getsizeof(text) + sum(sys.getsizeof(c) for c in cut) + 64)

    def containing(self, word: str) -> tuple[bool, list[str]]:
        """Whether some term begins with `word`, and the terms that hold it further in."""
        text, begins, inside = self.text, False, []
        at = text.find(word)
        while at >= 0:
            start, end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
            if at == start:
                begins = True
            else:
                inside.append(text[start:end])
            at = text.find(word, end)
        return begins, inside


@dataclass(frozen=True)
class _Held:
    """One word's docs per the stored sets: those with a term holding it, and those with a cut term to check."""

    docs: FrozenBitMap
    maybe: FrozenBitMap
    cost: int


def _vocabulary(session: Session, kind: str, cache: CatalogueCache | None, built_at: int) -> Vocabulary:
    hit = cache.terms.get(kind) if cache else None
    if isinstance(hit, Vocabulary):
        return hit
    db = connection_for_reads(session)
    terms = _VOCABULARY.rows(db, {"kind": kind})[0][0] or ""
    found = Vocabulary.of(terms, (term for (term,) in _CUT.rows(db, {"kind": kind})))
    if cache:
        cache.terms.put(kind, found, built_at=built_at)
    return found


def _name_sets(session: Session, kind: str, terms: list[str]) -> BitMap:
    """The union of the terms' name sets."""
    blobs = [blob for (blob,) in rows_in_chunks(_NAME_SETS, connection_for_reads(session), terms, {"kind": kind})]
    return BitMap.union(*(BitMap.deserialize(b) for b in blobs)) if blobs else BitMap()


def _sets_of_terms_holding(session: Session, kind: str, word: str) -> BitMap:
    """The union of the name sets of every term that holds `word`, found by the database."""
    db = connection_for_reads(session)
    blobs = [blob for (blob,) in _sets_holding(db.dialect.name).rows(db, {"kind": kind, "word": word})]
    return BitMap.union(*(BitMap.deserialize(b) for b in blobs)) if blobs else BitMap()


def _held(session: Session, kind: str, word: str, cache: CatalogueCache | None, built_at: tuple[int, int]) -> _Held:
    hit = cache.sets.get((kind, "~" + word)) if cache else None
    if isinstance(hit, _Held):
        return hit
    vocabulary = _vocabulary(session, kind, cache, built_at[1])
    begins, inside = vocabulary.containing(word)
    if len(inside) > MANY_TERMS:
        docs = _sets_of_terms_holding(session, kind, word)
    else:
        docs = _name_sets(session, kind, inside)
        if begins:  # every term it begins: one stored row when it is a common prefix
            for _, in_name, _ in prefix_rows(session, word, [kind]):
                docs |= BitMap.deserialize(in_name)
    maybe = _name_sets(session, kind, [t for t in vocabulary.cut if word not in t]) - docs
    frozen, maybe_frozen = FrozenBitMap(docs), FrozenBitMap(maybe)
    held = _Held(frozen, maybe_frozen, bitmap_weight(frozen) + bitmap_weight(maybe_frozen) + 64)
    if cache:
        cache.sets.put((kind, "~" + word), held, built_at=built_at[0])
    return held


def text_docs(session: Session, *, kind: str, values: Sequence[str], cache: CatalogueCache | None) -> BitMap:
    """The docs of `kind` whose folded name holds every word of every value (a value without a word holds for
    none: a filter never widens a search)."""
    asked = [filter_words(v) for v in values]
    if not asked or not all(asked):
        return BitMap()
    first = preamble(session, [kind], "", 0)  # the stored sets' version, and the dirty docs as they are now
    built_at = (0, 0)
    if cache:
        cache.sets_at(first.version)
        built_at = (cache.sets.generation, cache.terms.generation)
    words = list(dict.fromkeys(w for found in asked for w in found))
    held = sorted((_held(session, kind, w, cache, built_at) for w in words), key=lambda h: len(h.docs) + len(h.maybe))
    sure, candidates = BitMap(held[0].docs), held[0].docs | held[0].maybe
    for h in held[1:]:
        sure &= h.docs
        candidates &= h.docs | h.maybe
    dirty = {doc: name for _, doc, name, _ in first.dirty}
    unsure = [d for d in candidates - sure if d not in dirty]
    for doc, name in rows_in_chunks(_NAMES, connection_for_reads(session), unsure, {"kind": kind}):
        if holds(words, name):
            sure.add(doc)
    for doc, name in dirty.items():
        if holds(words, name):
            sure.add(doc)
        else:
            sure.discard(doc)
    return sure
