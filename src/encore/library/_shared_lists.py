"""The album lists that are the catalogue's alone (newest, alphabetical by name and by artist): the same page
for every listener, changed only when the catalogue is, so their positions are kept, in chunks.

A chunk is the albums at positions [b, b + STEP) of one list (b a multiple of STEP), as row ids and public
ids, read once with the list's own statement (newest: the id index; alphabetical: from the keyset mark at b,
library._keyset) and kept in the catalogue cache's `lists` store, which every catalogue change empties (an
album added, withdrawn or flagged as an ad moves every position after it). A page at any offset is then a
slice of one or two chunks: no SQL, whatever the offset (#16: offsets past 1,000 were read on every request,
~250 µs of SQLite by artist, when only pages up to offset 1,000 were kept). Chunks are bounded by the list's
length / STEP, not by how many (size, offset) pairs clients ask, and they live apart from the views and the
search's pages, so a client walking a whole list evicts only other chunks. Where a list ends is kept too, so
offsets past the end answer empty without a read or a kept chunk.
"""

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from encore.catalog import Album, CatalogueCache, built_at, cache_for
from encore.db import RawStatement, connection_of
from encore.library._keyset import KEYED, STEP, keyed_page
from encore.library._listening import _any_ad_album, _not_ad_album

# Lists that are the catalogue's alone: the same page for every listener, and it changes only when the
# catalogue does (an album added, withdrawn, flagged as an ad: each moves the catalogue's version)
SHARED_ALBUM_LISTS = ("newest", "alphabeticalByName", "alphabeticalByArtist")


@dataclass(frozen=True)
class ListedAlbums:
    """Albums in a list's order: row ids and, at the same positions, their public ids."""

    ids: tuple[int, ...]
    public_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Chunk:
    ids: Sequence[int]  # an array: compact: a chunk is kept, and a tuple of ints costs ~4x the memory
    public_ids: tuple[str, ...]


_PUBLIC_IDS = RawStatement(
    select(Album.id, Album.public_id).where(Album.id.in_(bindparam("ids", expanding=True))), expanding="ids"
)


def with_public_ids(session: Session, ids: list[int]) -> ListedAlbums:
    """These albums with their public ids, in the given order (an id no longer in the table is left out)."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), STEP):
        found.update(_PUBLIC_IDS.rows(connection_of(session), {"ids": ids[start : start + STEP]}))
    kept = [i for i in ids if i in found]
    return ListedAlbums(tuple(kept), tuple(found[i] for i in kept))


@lru_cache(maxsize=2)
def _newest(ads: bool) -> RawStatement:
    query = select(Album.id).order_by(Album.id.desc())  # ids grow as ingest adds albums: newest first
    if ads:  # ads leave before LIMIT/OFFSET, so positions are the listed albums'
        query = query.where(_not_ad_album(Album.id))
    return RawStatement(query.limit(bindparam("limit")).offset(bindparam("offset")))


@lru_cache(maxsize=2)
def _count(ads: bool) -> RawStatement:
    query = select(func.count()).select_from(Album)
    return RawStatement(query.where(_not_ad_album(Album.id)) if ads else query)


def _length(session: Session, ads: bool) -> int:
    """How many albums every shared list holds (each lists the same albums, in its own order)."""
    return int(_count(ads).rows(connection_of(session), {})[0][0])


def _read(session: Session, cache: CatalogueCache | None, kind: str, ads: bool, start: int) -> _Chunk:
    if kind in KEYED:
        ids = keyed_page(session, cache, kind=kind, ads=ads, limit=STEP, offset=start)
    else:
        ids = [row[0] for row in _newest(ads).rows(connection_of(session), {"limit": STEP, "offset": start})]
    listed = with_public_ids(session, ids)
    return _Chunk(array("q", listed.ids), listed.public_ids)


def _chunk(session: Session, cache: CatalogueCache | None, kind: str, ads: bool, start: int) -> _Chunk:
    if cache is None:  # inside a transaction that changed the catalogue: read, never kept
        return _read(session, None, kind, ads, start)
    end = cache.lists.get(("end", kind, ads))
    if isinstance(end, int) and start >= end:
        return _Chunk(array("q"), ())
    found = cache.lists.get((kind, ads, start))
    if isinstance(found, _Chunk):
        return found
    generation = built_at(session, cache)
    found = _read(session, cache, kind, ads, start)
    if found.ids and len(found.ids) < STEP:  # the list ends in this chunk (rows that left between reads end it too)
        cache.lists.put(("end", kind, ads), start + len(found.ids), built_at=generation)
    elif not found.ids:  # somewhere before `start`: its length, so that no offset past it reads again
        cache.lists.put(("end", kind, ads), _length(session, ads), built_at=generation)
    if found.ids:
        cache.lists.put((kind, ads, start), found, built_at=generation)
    return found


def any_unlisted(session: Session, cache: CatalogueCache | None) -> bool:
    """Whether any album is unlisted (an ad, a draft, a withdrawn release): a catalogue fact, kept with the
    catalogue's views (every change to an album's flags or status moves the catalogue's version)."""
    if cache is None:
        return _any_ad_album(session)
    found = cache.views.get(("library", "any_unlisted_album"))
    if not isinstance(found, bool):
        generation = built_at(session, cache)
        found = _any_ad_album(session)
        cache.views.put(("library", "any_unlisted_album"), found, built_at=generation)
    return found


def shared_page(session: Session, *, kind: str, limit: int, offset: int) -> ListedAlbums:
    """`limit` albums at `offset` of a shared list (`kind` in SHARED_ALBUM_LISTS), from its kept chunks."""
    if limit <= 0:
        return ListedAlbums((), ())
    cache = cache_for(session)
    ads = any_unlisted(session, cache)
    skip = offset % STEP
    start = offset - skip
    ids: list[int] = []
    public_ids: list[str] = []
    while len(ids) < skip + limit:
        chunk = _chunk(session, cache, kind, ads, start)
        ids += chunk.ids
        public_ids += chunk.public_ids
        if len(chunk.ids) < STEP:  # the list ends here
            break
        start += STEP
    return ListedAlbums(tuple(ids[skip : skip + limit]), tuple(public_ids[skip : skip + limit]))
