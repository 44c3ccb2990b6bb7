"""A playable rendition for a track made by the catalogue factories, without running ingest."""

from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.catalog import Rendition, Track

AUDIO = b"OggS" + bytes(range(256)) * 40


def add_rendition(container: Container, s: Session, track: Track, audio: bytes = AUDIO) -> None:
    """Store `audio` as the track's vorbis160 rendition, so stream URLs can be issued and served."""
    rel = f"audio/{track.public_id[:2].lower()}/{track.public_id}.vorbis160.ogg"
    temp = container.store.new_temp_path()
    temp.write_bytes(audio)
    container.store.commit(temp, rel)
    s.add(
        Rendition(
            track_id=track.id,
            kind="vorbis160",
            media_path=rel,
            codec="vorbis",
            bitrate=160000,
            sample_rate=44100,
            channels=2,
            size=len(audio),
            sha256="0" * 64,
        )
    )
