"""Map (track public id, rendition) to its file, with a small time-bounded cache.

The byte path must not touch the database per request; a stream URL lives minutes, and a
re-ingested track gets a new file name, so a 60 s cache cannot serve stale audio for long.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from encore.catalog import ReleaseStatus, Rendition, Track
from encore.kernel import is_public_id
from encore.storage import MediaStore, StoreError
from encore.streaming._media import MediaFile, media_file_for

Resolver = Callable[[str, str], MediaFile | None]


class CachedResolver:
    def __init__(
        self, *, sessions: sessionmaker[Session], store: MediaStore, ttl_s: float = 60.0, size: int = 20_000
    ) -> None:
        self._sessions, self._store, self._ttl, self._size = sessions, store, ttl_s, size
        self._cache: OrderedDict[tuple[str, str], tuple[float, MediaFile | None]] = OrderedDict()

    def __call__(self, track: str, rendition: str) -> MediaFile | None:
        key = (track, rendition)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        found = self._lookup(track, rendition)
        self._cache[key] = (now + self._ttl, found)
        self._cache.move_to_end(key)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return found

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
