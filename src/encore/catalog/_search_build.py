"""Build the search index from the database: number every doc by popularity, then write its sets.

Run by `encore search rebuild` (and when a database has no index yet): docs are renumbered so that
number order is ranking order (most popular first, then oldest), and every term's and common prefix's
set is written anew in one transaction, which readers on every node see whole or not at all.
Popularity comes from the caller (`Popularity`): today listens per track, counted only for tracks at least
5 distinct listeners played (`library.popularity`, #15), so a rank never singles out one listener; a
verified-streams figure can take its place without touching the index.
"""

from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyroaring import BitMap
from sqlalchemy import column, delete, func, insert, select, update
from sqlalchemy.orm import Session

from encore.catalog._listing import hidden_artists, unlisted_album, unlisted_track
from encore.catalog._models import Album, Track
from encore.catalog._search_index import COMPACT_AT, clear, dirty_docs
from encore.catalog._search_models import SearchDoc, SearchPrefix, SearchTerm
from encore.catalog._search_terms import terms
from encore.catalog._version import catalogue_changed, sets_changed

if TYPE_CHECKING:  # numpy is imported by the build only: a serving process never loads it
    import numpy as np

# How popular each entity of a kind is (entity id -> score; missing means 0).
Popularity = Callable[[Session, str], Mapping[int, int]]
KINDS = ("artist", "album", "track")
HOT_TERMS = 24  # a prefix that begins more terms than this gets its own stored set
_BATCH = 5000


@dataclass(frozen=True)
class BuildStats:
    docs: int
    terms: int
    prefixes: int


def search_index_due(session: Session) -> bool:
    """Whether so many docs wait outside the stored sets that a rebuild beats laying them over every query."""
    waiting = dirty_docs(session.get_bind().dialect.name, column("id")).limit(COMPACT_AT).subquery()
    return (session.scalar(select(func.count()).select_from(waiting)) or 0) >= COMPACT_AT


def rebuild_search_index(session: Session, *, popularity: Popularity) -> BuildStats:
    sets_changed(session)
    catalogue_changed(session)
    docs = terms_written = prefixes = 0
    for kind in KINDS:
        d, t, p = _rebuild_kind(session, kind, popularity(session, kind))
        docs, terms_written, prefixes = docs + d, terms_written + t, prefixes + p
    return BuildStats(docs, terms_written, prefixes)


def _ads(session: Session, kind: str) -> list[int]:
    """Entities that are ad audio or unlisted drafts (or artists with nothing else): never in the index."""
    if kind == "track":
        return list(session.scalars(select(Track.id).where(unlisted_track())))
    if kind == "album":
        return list(session.scalars(select(Album.id).where(unlisted_album())))
    return sorted(hidden_artists(session))


def _rebuild_kind(session: Session, kind: str, scores: Mapping[int, int]) -> tuple[int, int, int]:
    session.execute(delete(SearchDoc).where(SearchDoc.kind == kind, SearchDoc.name == "", SearchDoc.context == ""))
    ads = _ads(session, kind)
    if ads:
        session.execute(delete(SearchDoc).where(SearchDoc.kind == kind, SearchDoc.entity_id.in_(ads)))
    rows = sorted(
        session.execute(
            select(SearchDoc.id, SearchDoc.entity_id, SearchDoc.name, SearchDoc.context).where(SearchDoc.kind == kind)
        ),
        key=lambda r: (-scores.get(r[1], 0), r[1]),
    )
    # Two passes keep (kind, doc) unique while every number moves.
    session.execute(update(SearchDoc).where(SearchDoc.kind == kind).values(doc=-1 - SearchDoc.doc))
    for start in range(0, len(rows), _BATCH):
        session.execute(
            update(SearchDoc),
            [
                {"id": r[0], "doc": start + i, "stored_name": r[2], "stored_context": r[3], "dirty": False}
                for i, r in enumerate(rows[start : start + _BATCH])
            ],
        )
    clear(session, kind)
    vocabulary, name_keys, other_keys = _postings((r[2], r[3]) for r in rows)
    written = prefixes = 0
    batch: list[dict[str, object]] = []
    stack: list[tuple[str, BitMap, BitMap]] = []  # open common prefixes, shortest first
    hot = _hot_prefixes(vocabulary)
    for term, name, other in _term_sets(vocabulary, name_keys, other_keys):
        while stack and not term.startswith(stack[-1][0]):
            prefixes += _write_prefix(session, kind, *stack.pop())
        for n in range(len(stack[-1][0]) + 1 if stack else 1, len(term) + 1):
            if term[:n] in hot:
                stack.append((term[:n], BitMap(), BitMap()))
        for open_prefix in stack:
            open_prefix[1].update(name)  # in place: the stack holds the accumulating sets
            open_prefix[2].update(other)
        batch.append(_term_row(kind, term, name, other))
        if len(batch) >= _BATCH:
            session.execute(insert(SearchTerm), batch)
            written, batch = written + len(batch), []
    while stack:
        prefixes += _write_prefix(session, kind, *stack.pop())
    if batch:
        session.execute(insert(SearchTerm), batch)
        written += len(batch)
    return len(rows), written, prefixes


def _postings(docs: Iterator[tuple[str, str]]) -> tuple[list[str], "np.ndarray", "np.ndarray"]:
    """Sorted vocabulary, and (term rank << 32 | doc) keys, sorted, for names and for contexts."""
    import numpy as np

    ids: dict[str, int] = {}
    name_keys, other_keys = array("Q"), array("Q")
    for number, (name, context) in enumerate(docs):
        for t in terms(name):
            name_keys.append(ids.setdefault(t, len(ids)) << 32 | number)
        for t in terms(context):
            other_keys.append(ids.setdefault(t, len(ids)) << 32 | number)
    vocabulary = sorted(ids)
    rank = np.empty(len(ids), dtype=np.uint64)
    rank[[ids[t] for t in vocabulary]] = np.arange(len(vocabulary), dtype=np.uint64)

    def ranked(keys: "array[int]") -> "np.ndarray":
        raw = np.frombuffer(keys, dtype=np.uint64) if keys else np.empty(0, dtype=np.uint64)
        return np.sort(rank[raw >> np.uint64(32)] << np.uint64(32) | (raw & np.uint64(0xFFFFFFFF)))

    return vocabulary, ranked(name_keys), ranked(other_keys)


def _term_sets(
    vocabulary: list[str], name_keys: "np.ndarray", other_keys: "np.ndarray"
) -> Iterator[tuple[str, BitMap, BitMap]]:
    import numpy as np

    bounds = np.arange(len(vocabulary) + 1, dtype=np.uint64) << np.uint64(32)
    name_at, other_at = np.searchsorted(name_keys, bounds), np.searchsorted(other_keys, bounds)
    name_docs = array("I", (name_keys & np.uint64(0xFFFFFFFF)).astype(np.uint32).tobytes())
    other_docs = array("I", (other_keys & np.uint64(0xFFFFFFFF)).astype(np.uint32).tobytes())
    for i, term in enumerate(vocabulary):
        yield (
            term,
            BitMap(name_docs[name_at[i] : name_at[i + 1]]),
            BitMap(other_docs[other_at[i] : other_at[i + 1]]),
        )


def _hot_prefixes(vocabulary: list[str]) -> set[str]:
    counts: dict[str, int] = {}
    for term in vocabulary:
        for n in range(1, len(term) + 1):
            counts[term[:n]] = counts.get(term[:n], 0) + 1
    return {p for p, c in counts.items() if c > HOT_TERMS}


def _term_row(kind: str, term: str, name: BitMap, other: BitMap) -> dict[str, object]:
    return {
        "kind": kind,
        "term": term,
        "size": len(term),
        "rterm": term[::-1],
        "name_docs": bytes(name.serialize()),
        "other_docs": bytes(other.serialize()),
    }


def _write_prefix(session: Session, kind: str, prefix: str, name: BitMap, other: BitMap) -> int:
    name.run_optimize()
    other.run_optimize()
    session.execute(
        insert(SearchPrefix),
        [
            {
                "kind": kind,
                "prefix": prefix,
                "name_docs": bytes(name.serialize()),
                "other_docs": bytes(other.serialize()),
            }
        ],
    )
    return 1
