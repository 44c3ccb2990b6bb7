"""The stored rendition files of one track, resolved inside the media store (never a path from a request)."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.catalog import Rendition, Track
from encore.kernel import NotFound, is_public_id
from encore.storage import MediaStore, StoreError


@dataclass(frozen=True)
class StoredTrack:
    duration_ms: int
    files: dict[str, Path]  # rendition kind -> absolute path inside the store


def stored_track(session: Session, *, store: MediaStore, track_id: str) -> StoredTrack:
    track = session.scalar(select(Track).where(Track.public_id == track_id)) if is_public_id(track_id) else None
    if track is None:
        raise NotFound("no such track")
    files: dict[str, Path] = {}
    for kind, media_path in session.execute(
        select(Rendition.kind, Rendition.media_path).where(Rendition.track_id == track.id)
    ):
        try:
            path = store.resolve(media_path)
        except StoreError:
            continue  # a row pointing outside the store is never served
        if path.is_file():
            files[kind] = path
    return StoredTrack(track.duration_ms, files)
