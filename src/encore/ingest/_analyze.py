"""The worker side of ingest: probe -> tags -> decode/transcode/loudness -> artwork, for one file.

Runs in a worker process; returns a picklable result. It writes only temp files in the store's temp
area; the parent process moves them into place and commits the rows.
"""

import hashlib
import os
import secrets
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from encore.ingest._artwork import ArtworkFiles, ArtworkRejected, folder_image, render_artwork
from encore.ingest._audio import AudioResult, transcode
from encore.ingest._errors import IngestError
from encore.ingest._lyrics import Found, find_lyrics
from encore.ingest._probe import probe
from encore.ingest._tags import Tags, read_tags


@dataclass(frozen=True)
class Job:
    path: str
    size: int
    mtime_ns: int
    temp_dir: str
    previous_hash: str | None = None  # the audio its track holds: same hash again -> no transcode
    name_hint: str | None = None  # a display name (an upload's original name), never a path


@dataclass(frozen=True)
class Analyzed:
    job: Job
    audio_hash: str
    tags: Tags
    audio: AudioResult | None  # None: same audio as before, only the tags changed
    artwork: ArtworkFiles | None
    warnings: list[str] = field(default_factory=list)
    lyrics: Found | None = None


@dataclass(frozen=True)
class Failed:
    job: Job
    reason: str  # a plain sentence: a label reads it (an upload's answer), and so does a later run (`still_failing`)
    detail: str | None = None  # what went wrong, for the server's log only (an exception's text): `_pipeline._fail`


UNEXPECTED = (
    "the file could not be read because of an unexpected error on the server (its log says which): try again, or"
    " ask the server's operator"
)


def analyze(job: Job) -> Analyzed | Failed:
    try:
        return _analyze(job)
    except IngestError as exc:
        _cleanup(job)
        return Failed(job, exc.message)
    except MemoryError:
        _cleanup(job)
        return Failed(job, "file needs too much memory to read")
    except Exception as exc:
        _cleanup(job)
        return Failed(job, UNEXPECTED, detail=f"{type(exc).__name__}: {str(exc)[:500]}")


def _temp_stem(job: Job) -> Path:
    # Deterministic per job so _cleanup can find what a failed attempt left behind.
    # os.fsencode: the path's own bytes, whatever its name (a non-UTF-8 one must not fail here: probe25b H1)
    digest = hashlib.sha256(os.fsencode(job.path) + f"\0{job.mtime_ns}".encode()).hexdigest()[:24]
    return Path(job.temp_dir) / f"job-{digest}"


def _cleanup(job: Job) -> None:
    """Called from `analyze`'s handlers: it must not raise out of them (a temp file it cannot remove now is swept
    by the next run)."""
    stem = _temp_stem(job)
    with suppress(OSError):
        for leftover in stem.parent.glob(stem.name + "*"):
            leftover.unlink(missing_ok=True)


def _analyze(job: Job) -> Analyzed:
    path = Path(job.path)
    found = probe(path)
    tags = read_tags(path)
    found_lyrics = find_lyrics(path)
    warnings: list[str] = [*tags.warnings, *([found_lyrics.warning] if found_lyrics.warning else [])]
    stem = _temp_stem(job)
    audio = None
    if found.audio_hash != job.previous_hash:
        audio = transcode(
            path,
            vorbis_out=Path(f"{stem}.{secrets.token_hex(4)}.vorbis.part"),
            opus_out=Path(f"{stem}.{secrets.token_hex(4)}.opus.part"),
            declared_s=found.declared_s,
        )
    artwork = None
    picture, source = tags.picture, "its embedded picture"
    if picture is None and (cover := folder_image(path)) is not None:
        source, picture = f"{cover[0]} in its folder", cover[1]
    if picture is not None:
        try:
            artwork = render_artwork(picture, Path(job.temp_dir), stem.name)
        except ArtworkRejected as exc:
            warnings.append(f"cover art ignored: {source} is {exc}")
    slim = Tags(**{**tags.__dict__, "picture": None})  # the picture bytes need not cross processes
    return Analyzed(job, found.audio_hash, slim, audio, artwork, warnings, found_lyrics)
