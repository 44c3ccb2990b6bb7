"""Derived caches of the catalogue, one per process, built in bootstrap.py: rows rarely change, so what was
built from them is kept and thrown away when the catalogue's version moves.

Two versions say when: the search index's stored sets change only when compacted or rebuilt
(`catalogue_version.sets`, read in the search's own transaction, so a page never mixes two numberings);
everything else follows the catalogue's version, which every write moves (catalog._version): the shared
state's copy is read on every request (bumped right after a commit, so every worker and node sees an
edit at once), and the database's row at most once a second (for a writer that shares no state with
this process, e.g. `encore ingest` beside an embedded server).
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from pyroaring import BitMap, FrozenBitMap
from sqlalchemy.orm import Session

from encore.catalog._rows import album_summaries_by_ids, artist_summaries_by_ids, track_views_by_ids
from encore.catalog._version import CHECKED as _CHECKED
from encore.catalog._version import STATE_KEY, changed_here, stored_version
from encore.state import SharedState

SESSION_KEY = "encore.catalogue_cache"  # bootstrap puts the process's cache in every session's info
_BUILT_AT = "encore.catalogue_cache.built_at"  # the views' generation when the session was checked
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")
POLL_S = 1.0


class Bounded(Generic[K, V]):
    """A least-recently-used map holding at most `budget` units (each value's cost is `cost(value)`)."""

    def __init__(self, budget: int, cost: Callable[[V], int] = lambda _: 1) -> None:
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._budget, self._cost, self._used = budget, cost, 0
        self._lock = threading.Lock()
        self.generation = 0  # moved by clear(): a value built before a clear is not put after it

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def found(self, keys: Iterable[K]) -> dict[K, V]:
        """The kept values of `keys`, the ones not kept left out."""
        out: dict[K, V] = {}
        for key in keys:
            hit = self.get(key)
            if hit is not None:
                out[key] = hit
        return out

    def put(self, key: K, value: V, *, built_at: int | None = None) -> None:
        """Keep `value`, unless it is too large or was built (at `built_at`, a generation) before a clear."""
        cost = self._cost(value)
        if cost > self._budget:
            return
        with self._lock:
            if built_at is not None and built_at != self.generation:
                return
            old = self._items.pop(key, None)
            self._used += cost - (old[1] if old else 0)
            self._items[key] = (value, cost)
            while self._used > self._budget:
                _, (_, dropped) = self._items.popitem(last=False)
                self._used -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._used = 0
            self.generation += 1

    def __len__(self) -> int:
        return len(self._items)


class CatalogueCache:
    """What a serving process keeps of the catalogue: views by row id, and the search index's large sets."""

    def __init__(
        self,
        state: SharedState,
        *,
        views: int = 20_000,
        pages: int = 2_000,
        lists: int = 500,
        set_bytes: int = 24 * 1024 * 1024,
        short_set_bytes: int = 16 * 1024 * 1024,
        allowed_bytes: int = 8 * 1024 * 1024,
        term_bytes: int = 16 * 1024 * 1024,
        docs: int = 50_000,
        matches: int = 100_000,
    ) -> None:
        self.state = state
        self.views: Bounded[tuple[str | int, ...], object] = Bounded(views)
        self.ids: Bounded[tuple[str, str], int] = Bounded(views)  # (kind, public id) -> row id
        # A search's pages by (folded query, kinds, page): apart from the views, so that anyone typing new
        # queries (the player's search needs no log-in) evicts other queries, never the views every face reads
        self.pages: Bounded[tuple[str | int, ...], object] = Bounded(pages)
        # The shared album lists' positions, in chunks of 100 (library._shared_lists): apart from the pages and
        # the views, so that a client walking a whole list evicts only other chunks (each ~8 KiB: ~4 MiB)
        self.lists: Bounded[tuple[str | int, ...], object] = Bounded(lists)
        # Search sets by (kind, word): words of one or two letters apart, so that other words never evict
        # them (every query as you type begins there); (kind, "=term") is one term's docs, for typos.
        self.sets: Bounded[tuple[str, str], object] = Bounded(set_bytes, cost=_set_cost)
        self.short_sets: Bounded[tuple[str, str], object] = Bounded(short_set_bytes, cost=_set_cost)
        self.docs: Bounded[tuple[str, int], int] = Bounded(docs)  # (kind, search doc) -> entity id
        # The docs a query's field filters allow, by (kind, filters): read once for all its pages and words, not
        # per page (a filter reads a field of every doc); doc numbers, so they go when either version moves
        self.allowed: Bounded[tuple[str, str], object] = Bounded(allowed_bytes, cost=_bitmap_cost)
        # Each kind's search terms, for text filters (catalog._search_text): the words of the stored sets, so they
        # go when those move; apart from the sets, so that many words typed never evict them
        self.terms: Bounded[str, object] = Bounded(term_bytes, cost=_set_cost)
        # history's listen resolver: "isrc:X" or "artist:<key>" -> {match key: track id} ({} when none)
        self.matches: Bounded[str, dict[str, int]] = Bounded(matches, cost=lambda found: len(found) + 1)
        self._version: tuple[int, int] | None = None
        self._sets_version: int | None = None
        self._polled_at, self._db_version = 0.0, 0
        self._lock = threading.Lock()

    def fresh(self, session: Session) -> None:
        """Drop the views if the catalogue changed since they were built (call once per request)."""
        now = time.monotonic()
        if now - self._polled_at >= POLL_S:
            self._db_version, self._polled_at = stored_version(session), now
        version = (self.state.version(STATE_KEY), self._db_version)
        if version != self._version:
            with self._lock:
                self.views.clear()
                self.pages.clear()
                self.lists.clear()
                self.ids.clear()
                self.matches.clear()
                self.allowed.clear()
                self._version = version

    def sets_at(self, version: int) -> None:
        """Drop the cached search sets if the stored sets are no longer those of `version`."""
        if version != self._sets_version:
            with self._lock:
                self.sets.clear()
                self.short_sets.clear()
                self.docs.clear()
                self.allowed.clear()
                self.terms.clear()
                self._sets_version = version


def kept(part: Bounded[K, object] | None, key: K, kind: type[T], build: Callable[[], T]) -> T:
    """`part`'s value for `key`, else `build()`'s, kept unless the part was cleared while it was built."""
    hit = part.get(key) if part is not None else None
    if isinstance(hit, kind):
        return hit
    generation = part.generation if part is not None else 0
    made = build()
    if part is not None:
        part.put(key, made, built_at=generation)
    return made


def _set_cost(value: object) -> int:
    return int(getattr(value, "cost", 1))


def bitmap_weight(docs: BitMap | FrozenBitMap) -> int:
    """The bytes a doc set's containers hold, as roaring reports them without serializing it (which costs as
    much as building it): what a set weighs in a cache part."""
    stats = docs.get_statistics()
    held = stats["n_bytes_array_containers"] + stats["n_bytes_run_containers"] + stats["n_bytes_bitset_containers"]
    return int(held) + 8 * int(stats["n_containers"])


def _bitmap_cost(value: object) -> int:
    return 64 + bitmap_weight(value) if isinstance(value, BitMap | FrozenBitMap) else 64


_LOADERS: dict[str, Callable[[Session, Sequence[int]], Mapping[int, object]]] = {
    "track": track_views_by_ids,
    "album": album_summaries_by_ids,
    "artist": artist_summaries_by_ids,
}


def views_by_ids(
    session: Session, kind: str, ids: Sequence[int], cache: CatalogueCache | None, *, keep: bool = True
) -> dict[int, Any]:
    """Views of one kind by row id: from the cache, the rest in one load (which fills the cache, unless `keep`
    is False: for views that a larger cached entry holds anyway, such as an album page's tracks)."""
    if cache is None:
        return dict(_LOADERS[kind](session, ids))
    hits = cache.views.found((kind, i) for i in ids)
    found: dict[int, Any] = {i: hits[(kind, i)] for i in ids if (kind, i) in hits}
    missing = [i for i in ids if i not in found]
    if missing:
        generation = built_at(session, cache)
        for i, view in _LOADERS[kind](session, missing).items():
            if keep:
                cache.views.put((kind, i), view, built_at=generation)
            found[i] = view
    return found


def cache_for(session: Session) -> CatalogueCache | None:
    """The process's cache, checked fresh once per session; none inside a transaction that changed the
    catalogue (it must read its own writes, which the cache learns of only after the commit)."""
    cache = session.info.get(SESSION_KEY)
    if not isinstance(cache, CatalogueCache) or changed_here(session):
        return None
    if not session.info.get(_CHECKED):
        cache.fresh(session)
        session.info[_CHECKED] = True
        session.info[_BUILT_AT] = cache.views.generation
    return cache


def built_at(session: Session, cache: CatalogueCache) -> int:
    """The views' generation when this session was checked fresh: what anything it builds is put with. A view
    it read from the cache before another request's clear may be stale, so what it builds from it must not
    be kept after that clear (the generation read at build time would let it in)."""
    found = session.info.get(_BUILT_AT)
    return found if isinstance(found, int) else cache.views.generation


def representation(session: Session, key: tuple[str | int, ...], build: Callable[[], bytes]) -> bytes:
    """A face's finished representation (e.g. the JSON of a track), built once and kept with the views,
    so it goes when the catalogue changes."""
    cache = cache_for(session)
    found = cache.views.get(("repr", *key)) if cache else None
    if isinstance(found, bytes):
        return found
    generation = built_at(session, cache) if cache else 0
    made = build()
    if cache:
        cache.views.put(("repr", *key), made, built_at=generation)
    return made
