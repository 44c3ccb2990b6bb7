"""What the byte path needs to know about one rendition file."""

import os
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path


@dataclass(frozen=True, slots=True)
class MediaFile:
    path: Path
    size: int
    mtime_ns: int
    etag: str
    last_modified: str
    content_type: str = "audio/ogg"
    inode: int = 0  # with mtime_ns, tells a replaced file from the one an open fd points at
    duration_ms: int = 0  # the track's length, so what was sent of the file is known as audio time
    music: bool = True  # False for ad audio (its plays are impressions, never streams)


def media_file_for(path: Path, content_type: str = "audio/ogg") -> MediaFile | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    # nginx's ETag shape, "mtime-size" in hex: a strong validator as long as a rewrite changes the
    # size or lands in another second. Ingest never rewrites in place (new content, new name).
    etag = f'"{st.st_mtime_ns // 1_000_000_000:x}-{st.st_size:x}"'
    last_modified = formatdate(st.st_mtime, usegmt=True)
    return MediaFile(path, st.st_size, st.st_mtime_ns, etag, last_modified, content_type, st.st_ino)
