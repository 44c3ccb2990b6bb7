"""Uploads go through the same pipeline, under a name the server makes.

The uploader's file name is never used as a path: it may hold `../`, an absolute path, backslashes
or NUL. Only its extension, if harmless, is kept (some demuxers like a hint); content decides.
"""

import re
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from encore.db import transaction
from encore.ingest._models import SourceFile
from encore.ingest._pipeline import IngestSummary, run_ingest
from encore.storage import MediaStore

_SAFE_EXT = re.compile(r"^\.[a-z0-9]{1,5}$")


def safe_extension(original_name: str) -> str:
    tail = original_name.replace("\\", "/").replace("\x00", "").rsplit("/", 1)[-1]
    ext = Path(tail).suffix.lower()
    return ext if _SAFE_EXT.fullmatch(ext) else ""


def ingest_upload(
    *,
    data: BinaryIO,
    original_name: str,
    sessions: sessionmaker[Session],
    store: MediaStore,
    label_override: str | None,
    max_bytes: int,
) -> IngestSummary:
    upload_dir = store.root / "uploads" / secrets.token_hex(16)
    upload_dir.mkdir(parents=True)
    target = upload_dir / f"upload{safe_extension(original_name)}"
    try:
        with target.open("wb") as out:
            copied = _copy_limited(data, out, max_bytes)
        if copied is None:
            summary = IngestSummary()
            summary.failed.append((original_name[:200], f"upload larger than {max_bytes} bytes"))
            return summary
        summary = run_ingest(
            paths=[target],
            session_factory=sessions,
            store=store,
            label_override=label_override,
            workers=1,
            progress=None,
        )
        summary.failed = [(original_name[:200], reason) for _, reason in summary.failed]
        return summary
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
