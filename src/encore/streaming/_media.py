"""What the byte path needs to know about one rendition file."""

import os
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path


@dataclass(frozen=True)
class MediaFile:
    path: Path
    size: int
    mtime_ns: int
    etag: str
    last_modified: str
    content_type: str = "audio/ogg"


def media_file_for(path: Path, content_type: str = "audio/ogg") -> MediaFile | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    etag = f'"{st.st_mtime_ns // 1_000_000_000:x}-{st.st_size:x}"'  # nginx's shape: mtime-size
    return MediaFile(path, st.st_size, st.st_mtime_ns, etag, formatdate(st.st_mtime, usegmt=True), content_type)
