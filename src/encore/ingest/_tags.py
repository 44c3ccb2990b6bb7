"""Stage 2, tags: ID3v2.3/2.4, Vorbis comments and MP4 atoms, read through mutagen into one shape.

Tags are hostile input: every string is clamped and stripped of control characters, lists are
bounded, numbers must be sane, and pictures over a size limit are ignored.
"""

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import mutagen
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from encore.kernel import is_isrc, without_bidi_controls, without_towers

MAX_TEXT = 300
MAX_ITEMS = 20
MAX_COMMENTS = 2000  # Vorbis comments read of one file (a tag bomb holds millions)
_NAMED = ("title", "artist", "album", "albumartist", "label")  # what the catalogue shows: cut, said (review32c L4)
MAX_PICTURE_BYTES = 16 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FEAT = re.compile(r"\s+(?:feat\.?|ft\.|featuring)\s+", re.IGNORECASE)
_UPC = re.compile(r"\A[0-9]{12,14}\Z")
_YEAR = re.compile(r"^([0-9]{4})(?:-([0-9]{2}))?(?:-([0-9]{2}))?")

# Canonical name -> keys in Vorbis comments (lower-case), ID3 frames, MP4 atoms.
_VORBIS = {
    "title": ["title"],
    "artist": ["artist", "artists"],
    "albumartist": ["albumartist", "album artist"],
    "album": ["album"],
    "compilation": ["compilation"],
    "disc": ["discnumber"],
    "track": ["tracknumber"],
    "date": ["date", "originaldate", "year"],
    "isrc": ["isrc"],
    "label": ["label", "organization", "publisher"],
    "labelkind": ["encore_label_kind"],
    "upc": ["barcode", "upc"],
    "explicit": ["explicit", "itunesadvisory"],
    "genre": ["genre"],
    "releasetype": ["releasetype"],
}
_ID3 = {
    "title": ["TIT2"],
    "artist": ["TPE1"],
    "albumartist": ["TPE2"],
    "album": ["TALB"],
    "compilation": ["TCMP"],
    "disc": ["TPOS"],
    "track": ["TRCK"],
    "date": ["TDRC", "TYER", "TDOR"],
    "isrc": ["TSRC"],
    "label": ["TPUB"],
    "labelkind": ["TXXX:ENCORE_LABEL_KIND"],
    "upc": ["TXXX:BARCODE", "TXXX:UPC"],
    "explicit": ["TXXX:EXPLICIT", "TXXX:ITUNESADVISORY"],
    "genre": ["TCON"],
    "releasetype": ["TXXX:RELEASETYPE", "TXXX:MusicBrainz Album Type"],
}
_MP4 = {
    "title": ["\xa9nam"],
    "artist": ["\xa9ART"],
    "albumartist": ["aART"],
    "album": ["\xa9alb"],
    "compilation": ["cpil"],
    "disc": ["disk"],
    "track": ["trkn"],
    "date": ["\xa9day"],
    "isrc": ["----:com.apple.iTunes:ISRC"],
    "label": ["----:com.apple.iTunes:LABEL"],
    "labelkind": ["----:com.encore:LABEL_KIND"],
    "upc": ["----:com.apple.iTunes:BARCODE"],
    "explicit": ["rtng"],
    "genre": ["\xa9gen"],
    "releasetype": ["----:com.apple.iTunes:RELEASETYPE"],
}


@dataclass(frozen=True)
class Tags:
    title: str | None = None
    artists: list[str] = field(default_factory=list)
    featured: list[str] = field(default_factory=list)
    album: str | None = None
    album_artists: list[str] = field(default_factory=list)
    compilation: bool = False
    disc: int | None = None
    track: int | None = None
    release_date: date | None = None
    isrc: str | None = None
    label: str | None = None
    label_kind: str | None = None
    upc: str | None = None
    explicit: bool = False
    genres: list[str] = field(default_factory=list)
    release_type: str | None = None
    picture: bytes | None = None
    # What reading them left out, for the ingest's report (review32c L4: cut without a word before)
    warnings: list[str] = field(default_factory=list)


def printable(value: object) -> str:
    """The text with control characters and bidirectional overrides removed and stripped, not bounded (the caller
    bounds it): a title that reads reversed is found by no search for what listeners see (probe24b F6)."""
    return without_bidi_controls(_CONTROL.sub("", str(value))).strip()


def clean(value: object) -> str:
    """A tag's text as shown: `printable`, with the combining marks beyond the cap on each letter dropped (a title of
    "a" and 99 stacked accents towered over the rows around it wherever it was listed, review31c M3; a display name
    or a label's edit so is refused, a file's tag is kept without the tower), bounded."""
    return without_towers(printable(value))[:MAX_TEXT]


def _values(raw: dict[str, list[str]], name: str) -> list[str]:
    cleaned = (clean(v) for v in raw.get(name, [])[: MAX_ITEMS * 2])
    return [v for v in cleaned if v][:MAX_ITEMS]


def _first(raw: dict[str, list[str]], name: str) -> str | None:
    values = _values(raw, name)
    return values[0] if values else None


def _number(text: str | None) -> int | None:
    if not text:
        return None
    head = text.split("/")[0].strip()
    return int(head) if head.isascii() and head.isdigit() and 0 < int(head) < 1000 else None


def _date(text: str | None) -> date | None:
    match = _YEAR.match(text or "")
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    try:
        return date(year, month, day) if 1900 <= year <= 2100 else None
    except ValueError:
        return date(year, 1, 1) if 1900 <= year <= 2100 else None


def _split_feat(names: list[str]) -> tuple[list[str], list[str]]:
    primary: list[str] = []
    featured: list[str] = []
    for name in names:
        head, *rest = _FEAT.split(name, maxsplit=1)
        primary.append(head.strip())
        for part in rest:
            featured.extend(p.strip() for p in re.split(r"\s*(?:,|&| and )\s*", part) if p.strip())
    return [p for p in primary if p][:MAX_ITEMS], featured[:MAX_ITEMS]


def _truthy(text: str | None) -> bool:
    return (text or "").strip().lower() in {"1", "true", "yes", "explicit", "4"}


def _cut(raw: dict[str, list[str]]) -> str | None:
    """The report line for names longer than the catalogue keeps (`MAX_TEXT`), or None."""
    long = {
        name: len(text)
        for name in _NAMED
        for value in raw.get(name, [])[: MAX_ITEMS * 2]
        if len(text := without_towers(printable(value))) > MAX_TEXT
    }
    if not long:
        return None
    said = ", ".join(f"its {name} ({size:,} characters)" for name, size in long.items())
    return f"tags cut to their first {MAX_TEXT} characters: {said}"


def parse(raw: dict[str, list[str]], picture: bytes | None, *, notes: Sequence[str] = ()) -> Tags:
    artists, featured = _split_feat(_values(raw, "artist"))
    cut = _cut(raw)
    isrc = (_first(raw, "isrc") or "").replace("-", "").upper()
    upc = (_first(raw, "upc") or "").strip()
    kind = (_first(raw, "labelkind") or "").lower()
    return Tags(
        title=_first(raw, "title"),
        artists=artists,
        featured=featured,
        album=_first(raw, "album"),
        album_artists=_split_feat(_values(raw, "albumartist"))[0],
        compilation=_truthy(_first(raw, "compilation")),
        disc=_number(_first(raw, "disc")),
        track=_number(_first(raw, "track")),
        release_date=_date(_first(raw, "date")),
        isrc=isrc if is_isrc(isrc) else None,
        label=_first(raw, "label"),
        label_kind=kind if kind in ("major", "indie") else None,
        upc=upc if _UPC.fullmatch(upc) else None,
        explicit=_truthy(_first(raw, "explicit")),
        genres=list(dict.fromkeys(g for v in _values(raw, "genre") for g in re.split(r"\s*[;/]\s*", v) if g))[:10],
        release_type=(_first(raw, "releasetype") or "").lower() or None,
        picture=picture if picture and len(picture) <= MAX_PICTURE_BYTES else None,
        warnings=[*notes, *([cut] if cut else [])],
    )


def read_tags(path: Path) -> Tags:
    """Missing or unreadable tags are not an error: the file imports with what can be known."""
    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, ValueError, OverflowError, MemoryError):
        return Tags()
    if audio is None or audio.tags is None:
        return Tags()
    try:
        if isinstance(audio, MP4):
            return parse(*_from_mp4(audio))
        if isinstance(audio.tags, ID3):
            return parse(*_from_id3(audio.tags))
        raw, picture, notes = _from_vorbis(audio)
        return parse(raw, picture, notes=notes)
    except (TypeError, ValueError, AttributeError, IndexError, KeyError):
        return Tags()  # a tag shape nobody expected: the audio still imports, under fallback names


def _from_vorbis(audio: mutagen.FileType) -> tuple[dict[str, list[str]], bytes | None, list[str]]:
    comments: dict[str, list[str]] = {}
    every: list[tuple[str, str]] = list(audio.tags or [])  # VComment iterates as (key, value) pairs
    pairs = every[:MAX_COMMENTS]
    notes = [f"tags: only the first {MAX_COMMENTS:,} of its {len(every):,} Vorbis comments were read"]
    for key, value in pairs:
        comments.setdefault(str(key).lower(), []).append(str(value))
    raw = {name: [v for k in keys for v in comments.get(k, [])] for name, keys in _VORBIS.items()}
    pictures = list(audio.pictures) if isinstance(audio, FLAC) else []
    for encoded in comments.get("metadata_block_picture", [])[:4]:
        try:
            pictures.append(Picture(base64.b64decode(encoded)))
        except (ValueError, mutagen.MutagenError):
            continue
    front = [p for p in pictures if p.type == 3] or pictures
    return raw, (front[0].data if front else None), notes if len(every) > MAX_COMMENTS else []


def _split_v23(value: str) -> list[str]:
    """ID3v2.3 has no multi-value text frames: taggers join values with '/'. 'AC/DC' stays whole."""
    parts = [p.strip() for p in value.split("/")]
    if len(parts) == 1 or (all(len(p) <= 3 for p in parts) and not any(ch.isspace() for ch in value)):
        return [value]
    return [p for p in parts if p]


def _from_id3(tags: ID3) -> tuple[dict[str, list[str]], bytes | None]:
    raw: dict[str, list[str]] = {}
    v23 = tags.version < (2, 4, 0)
    for name, keys in _ID3.items():
        for key in keys:
            frame = tags.get(key)
            if frame is not None and hasattr(frame, "text"):
                values = [str(t) for t in frame.text[: MAX_ITEMS * 2]]
                if v23 and name in ("artist", "albumartist"):
                    values = [part for v in values for part in _split_v23(v)]
                raw.setdefault(name, []).extend(values)
    pictures = tags.getall("APIC")
    front = [p for p in pictures if p.type == 3] or pictures
    return raw, (bytes(front[0].data) if front else None)


def _mp4_text(value: object) -> str:
    if isinstance(value, tuple):
        value = value[0]
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(int(value)) if isinstance(value, bool) else str(value)


def _from_mp4(audio: MP4) -> tuple[dict[str, list[str]], bytes | None]:
    raw: dict[str, list[str]] = {}
    atoms: dict[str, object] = dict(audio.tags or {})
    for name, keys in _MP4.items():
        for key in keys:
            value = atoms.get(key, [])
            values = value if isinstance(value, list) else [value]  # cpil, pgap: a bare bool
            raw.setdefault(name, []).extend(_mp4_text(v) for v in values[:MAX_ITEMS])
    covers = atoms.get("covr")
    first = covers[0] if isinstance(covers, list) and covers else None
    return raw, (bytes(first) if isinstance(first, bytes) else None)
