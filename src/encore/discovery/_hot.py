"""What an answer for an app (/v1/recommendations, related artists) reads per seed, kept by the serving process.

Per seed an answer needs a track's stored neighbours, an artist's seed tracks, a genre's popular tracks, the
seeds' genres, a genre's row, an artist's related artists. All of it is derived (from the neighbour tables and
the popularity the last training stored, and from the catalogue), never an authority, so it is kept in process
beside the catalogue's cache (`catalog.cache_for`) and dropped with it: entries carry that cache's generation,
which moves whenever the catalogue's version moves (training moves it too, `train`). What ranks by popularity
leaves today's opt-outs out, so it is also keyed by the opt-outs' generation (`opt_outs`), which a change of a
listener's "contribute" setting moves after its commit (`opt_outs_changed`): an opt-out never empties the
catalogue's caches, which any listener could otherwise do at will. Without a cache (a transaction that changed
the catalogue, a bare session) every read goes to the database. What a track asks of
a listener is kept per exclusives' version too, and a whole answer per listener class (`_classes`), never per
listener: a class is the listener's verdicts now, so an exclusive's window opens without any version moving."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.orm import Session

from encore.catalog import CatalogueCache, built_at, cache_for

V = TypeVar("V")
ENTRIES = 50_000  # neighbour lists of ~50 pairs: tens of MB at most
_MISSING = object()
OPT_OUTS_KEY = "discovery:opt-outs"  # shared-state version: moves when a listener's "contribute" changes


class _Kept:
    """A least-recently-used map of one catalogue generation (a newer generation empties it)."""

    def __init__(self, budget: int) -> None:
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._budget, self._generation = budget, -1
        self._lock = threading.Lock()

    def get(self, generation: int, key: Hashable) -> object:
        with self._lock:
            if generation != self._generation:
                return _MISSING
            found = self._items.get(key, _MISSING)
            if found is not _MISSING:
                self._items.move_to_end(key)
            return found

    def put(self, generation: int, key: Hashable, value: object) -> None:
        with self._lock:
            if generation < self._generation:
                return  # built from an older catalogue than what is kept now
            if generation > self._generation:
                self._items.clear()
                self._generation = generation
            self._items[key] = value
            while len(self._items) > self._budget:
                self._items.popitem(last=False)


_BY_CACHE: "WeakKeyDictionary[CatalogueCache, _Kept]" = WeakKeyDictionary()
_CREATE = threading.Lock()


def _kept(session: Session) -> tuple[_Kept, int] | None:
    cache = cache_for(session)
    if cache is None:
        return None
    with _CREATE:
        kept = _BY_CACHE.get(cache)
        if kept is None:
            kept = _BY_CACHE[cache] = _Kept(ENTRIES)
    return kept, built_at(session, cache)


def one(session: Session, key: Hashable, build: Callable[[], V]) -> V:
    """`build()`, kept for this catalogue generation under `key`."""
    place = _kept(session)
    if place is None:
        return build()
    kept, generation = place
    found = kept.get(generation, key)
    if found is not _MISSING:
        return cast(V, found)
    made = build()
    kept.put(generation, key, made)
    return made


def face_kept(session: Session, key: tuple[str, ...], build: Callable[[], tuple[bytes, ...]]) -> tuple[bytes, ...]:
    """What a face made of an answer (each item's JSON, say), kept like the answer for this catalogue generation
    under `key`, which must name the answer (`Recommendations.key`). Kept as the parts the face made, which are
    its shared per-item representations: an entry holds references, not a copy of every answer's bytes."""
    return one(session, ("face", *key), build)


def many(
    session: Session, kind: str, ids: Sequence[int], load: Callable[[list[int]], dict[int, V]], empty: V
) -> dict[int, V]:
    """Per id, what `load` gives for it (`empty` when it gives nothing), the ids not kept read in one `load`."""
    place = _kept(session)
    if place is None:
        found = load(list(ids))
        return {i: found.get(i, empty) for i in ids}
    kept, generation = place
    out: dict[int, V] = {}
    for i in ids:
        hit = kept.get(generation, (kind, i))
        if hit is not _MISSING:
            out[i] = cast(V, hit)
    missing = [i for i in ids if i not in out]
    if missing:
        loaded = load(missing)
        for i in missing:
            out[i] = loaded.get(i, empty)
            kept.put(generation, (kind, i), out[i])
    return out


def opt_outs(session: Session) -> int:
    """The opt-outs' generation (shared by every worker and node); 0 without a catalogue cache."""
    cache = cache_for(session)
    return 0 if cache is None else cache.state.version(OPT_OUTS_KEY)


def opt_outs_changed(session: Session) -> None:
    """Once this session commits, every process rebuilds what it ranked by popularity (after the commit, so no
    process can rebuild from the old settings under the new generation)."""
    cache = cache_for(session)
    if cache is None:
        return  # a bare session: nothing kept here, and no shared state to tell others through
    state = cache.state
    event.listen(session, "after_commit", lambda _s: state.bump(OPT_OUTS_KEY), once=True)
