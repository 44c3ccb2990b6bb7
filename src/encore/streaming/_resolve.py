"""Map (track public id, rendition) to its file, with a small cache that follows the catalogue's version.

The byte path must not touch the database per range. What it keeps is dropped when the catalogue's version
moves (`catalogue_version`, which every catalogue write moves, read from the database at most once a second):
a withdrawal or a restore made anywhere (the label portal, `encore catalog` in another process, another node)
reaches stream URLs within a second, as it reaches the other faces (probe22 F2: answers, "not found" too, were
kept 60 s). A re-ingested track gets a new file name; the time bound stays as a backstop.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from encore.catalog import ReleaseStatus, Rendition, Track, stored_version
from encore.db import is_busy, is_unreachable
from encore.kernel import is_public_id
from encore.storage import MediaStore, StoreError
from encore.streaming._media import MediaFile, media_file_for

Resolver = Callable[[str, str], MediaFile | None]


class CachedResolver:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        store: MediaStore,
        ttl_s: float = 60.0,
        size: int = 20_000,
        poll_s: float = 1.0,
    ) -> None:
        self._sessions, self._store, self._ttl, self._size = sessions, store, ttl_s, size
        self._cache: OrderedDict[tuple[str, str], tuple[float, MediaFile | None]] = OrderedDict()
        self._poll, self._polled_at, self._version = poll_s, float("-inf"), -1

    def __call__(self, track: str, rendition: str) -> MediaFile | None:
        key = (track, rendition)
        now = time.monotonic()
        if now - self._polled_at >= self._poll:
            self._follow_catalogue(now)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = self._lookup(track, rendition)
        self._cache[key] = (now + self._ttl, found)
        self._cache.move_to_end(key)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return found

    def _follow_catalogue(self, now: float) -> None:
        """One read of the version row a second (per process, not per range): a moved version drops all that is
        kept, before this call reads the cache (a lookup made after the read sees the change itself). With the
        database unreachable or too busy to answer (locked, its pool taken), the read is tried again a second
        later, not per request, and what is kept goes on serving (a withdrawal waits on the same database); a
        miss still needs the database and fails as before."""
        self._polled_at = now
        try:
            with self._sessions() as session:
                version = stored_version(session)
        except Exception as exc:
            if is_unreachable(exc) or is_busy(exc):  # an outage or a wait to sit out: tried again in a second
                return
            raise
        if version != self._version:
            self._cache.clear()
            self._version = version

    def _lookup(self, track: str, rendition: str) -> MediaFile | None:
        with self._sessions() as session:
            row = session.execute(
                select(Rendition.media_path, Track.duration_ms, Track.is_ad)
                .join(Track, Track.id == Rendition.track_id)
                .where(Track.public_id == track, Rendition.kind == rendition)
                # a URL issued before a withdrawal streams (and verifies) nothing after it; ad audio is
                # no label's release and always streams
                .where(or_(Track.is_ad == true(), Track.status == ReleaseStatus.PUBLISHED.value))
            ).first()
        if row is None:
            return None
        try:
            found = media_file_for(self._store.resolve(row.media_path))
        except StoreError:
            return None
        return None if found is None else replace(found, duration_ms=row.duration_ms, music=not row.is_ad)


_FILE_SUFFIX = {"vorbis160": "vorbis160.ogg", "opus96": "opus96.opus"}


class DirectoryResolver:
    """Files named `{track}.{rendition}.{ext}` in one directory, for tests, benchmarks and tiny setups.

    The track id and rendition come from a URL, so both are checked against the id shape and the
    rendition whitelist before they become part of a path.
    """

    def __init__(self, root: Path, *, ttl_s: float = 5.0) -> None:
        self._root, self._ttl = root, ttl_s
        self._cache: dict[tuple[str, str], tuple[float, MediaFile | None]] = {}

    def __call__(self, track: str, rendition: str) -> MediaFile | None:
        suffix = _FILE_SUFFIX.get(rendition)
        if suffix is None or not is_public_id(track):
            return None
        key = (track, rendition)
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        if len(self._cache) > 10_000:
            self._cache.clear()
        found = media_file_for(self._root / f"{track}.{suffix}")
        self._cache[key] = (now + self._ttl, found)
        return found
