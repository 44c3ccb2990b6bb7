"""Stage 2b, lyrics: an `.lrc` sidecar with the audio's stem, else embedded lyrics (ID3 SYLT, then ID3
USLT, Vorbis/FLAC/Opus LYRICS or UNSYNCEDLYRICS, MP4 ©lyr). Lyrics are optional: a refusal is a warning
and the audio imports regardless."""

from dataclasses import dataclass
from pathlib import Path

import mutagen
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from encore import lyrics
from encore.lyrics import Lyrics, LyricsRejected, Source

SIDECAR_SUFFIXES = (".lrc", ".LRC")
_SYLT_MS = 2  # SYLT timestamp format 2: milliseconds (1 is MPEG frames, which we cannot place)
_VORBIS_KEYS = ("lyrics", "unsyncedlyrics")


@dataclass(frozen=True)
class Found:
    lyrics: Lyrics | None
    source: Source | None
    warning: str | None = None


def sidecar_for(path: Path) -> Path | None:
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_suffix(suffix)
        if candidate != path and candidate.is_file():
            return candidate
    return None


def _read_sidecar(side: Path) -> Lyrics:
    with side.open("rb") as f:
        data = f.read(lyrics.MAX_BYTES + 1)  # a huge file is refused without reading it all
    return lyrics.from_bytes(data)


def find_lyrics(path: Path) -> Found:
    side = sidecar_for(path)
    if side is not None:
        try:
            return Found(_read_sidecar(side), Source.SIDECAR)
        except LyricsRejected as exc:
            return Found(None, None, f"lyrics in {side.name} not used: {exc.message}")
        except OSError as exc:
            return Found(None, None, f"lyrics in {side.name} not readable: {exc.strerror}")
    try:
        found = _embedded(path)
    except LyricsRejected as exc:
        return Found(None, None, f"embedded lyrics not used: {exc.message}")
    return Found(found, Source.EMBEDDED if found else None)


def _embedded(path: Path) -> Lyrics | None:
    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, ValueError, OverflowError, MemoryError):
        return None
    if audio is None or audio.tags is None:
        return None
    try:
        if isinstance(audio, MP4):
            texts = [str(v) for v in (audio.tags or {}).get("\xa9lyr", [])[:1]]
            return lyrics.parse(texts[0]) if texts else None
        if isinstance(audio.tags, ID3):
            return _from_id3(audio.tags)
        return _from_vorbis(audio)
    except (TypeError, ValueError, AttributeError, IndexError, KeyError):
        return None  # a tag shape nobody expected (LyricsRejected is none of these: find_lyrics reports it)


def _from_id3(tags: ID3) -> Lyrics | None:
    for frame in tags.getall("SYLT")[:4]:
        if frame.format == _SYLT_MS and frame.text:
            stamps = [f"[{_stamp(int(ms))}]{text}" for text, ms in frame.text[: lyrics.MAX_LINES + 1]]
            return lyrics.parse("\n".join(stamps), language=frame.lang)
    for frame in tags.getall("USLT")[:4]:
        if str(frame.text).strip():
            return lyrics.parse(str(frame.text), language=frame.lang)
    return None


def _from_vorbis(audio: mutagen.FileType) -> Lyrics | None:
    pairs: list[tuple[str, str]] = list(audio.tags or [])[:2000]
    comments = {str(k).lower(): str(v) for k, v in reversed(pairs)}  # reversed: the first value wins
    for key in _VORBIS_KEYS:
        if comments.get(key, "").strip():
            return lyrics.parse(comments[key], language=comments.get("language"))
    return None


def _stamp(ms: int) -> str:
    ms = max(0, ms)
    return f"{ms // 60000:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
