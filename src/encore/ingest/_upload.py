"""Uploads go through the same pipeline, under a name the server makes.

The uploader's file name is never used as a path: it may hold `../`, an absolute path, backslashes
or NUL. It is kept only as a display hint (its last component, control characters removed): the
title when the tags have none, and the name in failure reports. Its extension is kept on the
server-made name when harmless (a hint for some demuxers); content decides the format.
"""

import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from encore.db import transaction
from encore.ingest._artwork import MAX_SOURCE_BYTES, ArtworkRejected, artwork_relpath, render_artwork
from encore.ingest._models import SourceFile
from encore.ingest._pipeline import UPLOADS_DIR, IngestSummary, SpotMarker, _commit_lock, run_ingest
from encore.ingest._tags import printable
from encore.lyrics import MAX_BYTES as MAX_LYRICS_BYTES
from encore.storage import MediaStore

_SAFE_EXT = re.compile(r"^\.[a-z0-9]{1,5}$")
MAX_DISPLAY = 200
# a suffix a long name keeps when it is cut (a history import reads JSON lines by `.jsonl`); a longer or stranger
# one is cut with the rest, as the whole name was before (review23 F7)
_KEPT_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")


def display_name(original_name: str) -> str:
    """'../../etc/pass\\x00wd.mp3' -> 'passwd.mp3': the last path component, printable, bounded. A name longer
    than MAX_DISPLAY keeps the start of its stem and its suffix when that is short and plain ('.jsonl')."""
    tail = printable(original_name.replace("\\", "/")).rsplit("/", 1)[-1].strip()  # whole: a cut drops the end
    if tail in ("", ".", ".."):
        return "upload"
    if len(tail) <= MAX_DISPLAY:
        return tail
    suffix = Path(tail).suffix
    kept = suffix if _KEPT_SUFFIX.fullmatch(suffix) else ""
    return tail[: MAX_DISPLAY - len(kept)] + kept


def safe_extension(original_name: str) -> str:
    ext = Path(display_name(original_name)).suffix.lower()
    return ext if _SAFE_EXT.fullmatch(ext) else ""


def ingest_upload(
    *,
    data: BinaryIO,
    original_name: str,
    sessions: sessionmaker[Session],
    store: MediaStore,
    label_override: str | None,
    max_bytes: int,
    lyrics: BinaryIO | None = None,
    draft: bool = False,
    as_ad: SpotMarker | None = None,
) -> IngestSummary:
    """`lyrics`: an optional .lrc sidecar, placed beside the audio so the pipeline reads it as `encore ingest` does.
    `as_ad`: the file is an advertiser's spot (`run_ingest`)."""
    shown = display_name(original_name)
    upload_dir = store.root / UPLOADS_DIR / secrets.token_hex(16)  # abandoned ones: swept by later runs
    upload_dir.mkdir(parents=True)
    target = upload_dir / f"upload{safe_extension(original_name)}"
    try:
        with target.open("wb") as out:
            copied = _copy_limited(data, out, max_bytes)
        if copied is None:
            summary = IngestSummary()
            summary.failed.append((shown, f"upload larger than {max_bytes} bytes"))
            return summary
        if lyrics is not None and target.suffix != ".lrc":  # an audio file named *.lrc keeps its bytes
            with target.with_suffix(".lrc").open("wb") as out:
                # one byte past the lyrics cap is enough for the parser to refuse a huge file
                out.write(lyrics.read(MAX_LYRICS_BYTES + 1))
        return run_ingest(
            paths=[target],
            session_factory=sessions,
            store=store,
            label_override=label_override,
            workers=1,
            progress=None,
            name_hints={str(target.resolve()): shown},
            draft=draft,
            isolate=True,  # the decoders stay out of the serving process (issue #16)
            as_ad=as_ad,
        )
    finally:
        with transaction(sessions) as s:  # the temp upload is gone; its source row must not linger
            s.execute(delete(SourceFile).where(SourceFile.path == str(target.resolve())))
        shutil.rmtree(upload_dir, ignore_errors=True)


def _copy_limited(src: BinaryIO, dst: BinaryIO, limit: int) -> int | None:
    total = 0
    while block := src.read(1 << 20):
        total += len(block)
        if total > limit:
            return None
        dst.write(block)
    return total


@contextmanager
def placed_cover(*, data: bytes, store: MediaStore) -> Iterator[str]:
    """A cover image a label uploads for a release: checked and resized like embedded art (Pillow's bomb guard on),
    then placed in the store; yields its artwork key. ArtworkRejected when it is not an image. Use it inside
    `store.writing()` (its files are orphans to a sweep until a committed row names the key: review26c L4), and
    commit the album row that names the key inside the `with`: the files are placed and that row committed under the
    ingest commit lock, as an ingest run places an album's art and commits its row, so `drop_replaced_cover` of the
    same picture (a cover is named by its content) never finds it placed and not yet named (fix29c). The resizing
    is done before the lock: a run's commits wait for a placement and a row, never for a picture's decoding."""
    if len(data) > MAX_SOURCE_BYTES:
        raise ArtworkRejected(f"a cover can be at most {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    work = store.root / UPLOADS_DIR / secrets.token_hex(16)
    work.mkdir(parents=True)
    try:
        art = render_artwork(data, work, "cover")
        with _commit_lock(store):
            for size, temp in art.temp_paths.items():
                store.commit(Path(temp), artwork_relpath(art.key, size))
            yield art.key
    finally:
        shutil.rmtree(work, ignore_errors=True)
