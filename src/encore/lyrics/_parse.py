"""LRC and plain-text lyrics: bytes -> text -> typed lines. Pure functions, no I/O.

A small strict parser of our own rather than `pylrc` (unmaintained since 2020, silently drops lines it
cannot read) or `lrcparser` (young, no caps): LRC's grammar is a few regular expressions, and what
matters here is refusing hostile input with a reason that names the line.

Decisions:
- Encoding: a byte-order mark decides (UTF-8, UTF-16, UTF-32); without one the text must be UTF-8.
  Latin-1 is not guessed (any byte string "is" Latin-1, so a guess would turn Cyrillic into nonsense);
  the refusal says how to fix the file.
- NUL bytes are refused (often UTF-16 without a byte-order mark); other control characters become spaces.
- Timestamps out of order are sorted (stable): LRC lets one line carry several times (a chorus), so
  file order is not time order by design.
- A line starting after the track ends is refused by `check_fits`, naming the line.
- Size is capped in bytes (LyricsTooLarge, 413) and in lines and characters per line (422).
"""

import codecs
import re
from dataclasses import dataclass

from encore.lyrics._errors import LyricsRejected, LyricsTooLarge

MAX_BYTES = 256 * 1024
MAX_LINES = 2000
MAX_LINE_CHARS = 500
MAX_OFFSET_MS = 3600 * 1000  # line times are bounded by their grammar (3-digit minutes); offsets by this
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its mark starts with UTF-16-LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TIME = re.compile(r"\[([0-9]{1,3}):([0-5]?[0-9])(?:[.:]([0-9]{1,3}))?\]")
_LEADING_TIMES = re.compile(r"^(?:\s*\[[0-9]{1,3}:[0-5]?[0-9](?:[.:][0-9]{1,3})?\])+")
_META = re.compile(r"^\[([A-Za-z#][A-Za-z0-9_#-]{0,15}):(.*)\]\s*$")
_OFFSET = re.compile(r"[+-]?[0-9]{1,9}")
_WORD_TIME = re.compile(r"<[0-9]{1,3}:[0-5]?[0-9](?:[.:][0-9]{1,3})?>")  # enhanced LRC's per-word times
_BRACKET_NUMBERS = re.compile(r"^\s*\[[^\]]*[0-9]")
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
UNKNOWN_LANGUAGE = "und"


@dataclass(frozen=True)
class Line:
    start_ms: int | None  # None: unsynced text
    text: str


@dataclass(frozen=True)
class Lyrics:
    synced: bool
    lines: tuple[Line, ...]
    language: str = UNKNOWN_LANGUAGE  # ISO 639 (2 or 3 letters), "und" when unknown
    offset_ms: int = 0  # LRC [offset:]: positive shows lines sooner

    def shown_at(self, line: Line) -> int:
        """When the player highlights a synced line (its time minus the offset, never below zero)."""
        return max(0, (line.start_ms or 0) - self.offset_ms)


def decode(data: bytes) -> str:
    """Bytes of a lyrics file or tag -> text, or a refusal that says what is wrong."""
    if len(data) > MAX_BYTES:
        raise LyricsTooLarge(f"lyrics are {len(data)} bytes; at most {MAX_BYTES // 1024} KiB")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise LyricsRejected(f"lyrics start with a {encoding} byte-order mark but are not {encoding}") from None
    if b"\x00" in data:
        raise LyricsRejected("lyrics contain NUL bytes (UTF-16 needs a byte-order mark)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LyricsRejected(
            f"lyrics are not UTF-8 (byte {exc.start}); save the file as UTF-8, or UTF-16 with a byte-order mark"
        ) from None


def normal_language(value: str | None) -> str:
    code = (value or "").strip().lower()
    return code if _LANGUAGE.fullmatch(code) and code not in ("xxx", "zxx") else UNKNOWN_LANGUAGE


def _ms(minutes: str, seconds: str, fraction: str | None) -> int:
    frac = fraction or "0"
    return (int(minutes) * 60 + int(seconds)) * 1000 + int(frac) * int(10 ** (3 - len(frac)))


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", _WORD_TIME.sub("", text)).strip()


def _offset(value: str, number: int) -> int:
    text = value.strip()
    if not _OFFSET.fullmatch(text):  # int() alone took "５００", "٥٠٠" and "5_00" as 500
        raise LyricsRejected(f"line {number}: offset must be whole milliseconds")
    offset = int(text)
    if abs(offset) > MAX_OFFSET_MS:
        raise LyricsRejected(f"line {number}: offset out of range")
    return offset


def _text_lines(text: str) -> list[str]:
    if "\x00" in text:
        raise LyricsRejected("lyrics contain NUL characters")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise LyricsTooLarge(f"lyrics are over {MAX_BYTES // 1024} KiB")
    raw = text.removeprefix("\ufeff").splitlines()
    if len(raw) > MAX_LINES * 2:
        raise LyricsRejected(f"lyrics have {len(raw)} lines; at most {MAX_LINES}")
    return raw


def parse(text: str, *, language: str | None = None) -> Lyrics:
    """LRC (any line with a [mm:ss.xx] time) or plain text. Refuses with the first problem found."""
    raw = _text_lines(text)
    synced = any(_LEADING_TIMES.match(line) for line in raw)
    timed: list[tuple[int, int, str]] = []  # (start, order in file, text): sorted stably below
    plain: list[str] = []
    offset, lang = 0, language
    for number, line in enumerate(raw, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise LyricsRejected(f"line {number} has {len(line)} characters; at most {MAX_LINE_CHARS}")
        times = _LEADING_TIMES.match(line)
        if times:
            words = _clean(line[times.end() :])
            for m in _TIME.finditer(times.group(0)):
                timed.append((_ms(*m.groups()), len(timed), words))
            continue
        meta = _META.match(line)
        if meta:
            key, value = meta[1].lower(), meta[2]
            if key == "offset":
                offset = _offset(value, number)
            elif key in ("la", "lang", "language") and lang is None:
                lang = value
            continue
        if not synced:
            plain.append(_clean(line))
        elif line.strip():
            reason = "malformed timestamp" if _BRACKET_NUMBERS.match(line) else "no timestamp"
            raise LyricsRejected(f"line {number}: {reason} in synced lyrics: {line[:40]!r}")
    return _built(synced=synced, timed=timed, plain=plain, offset=offset, language=lang)


def _built(
    *, synced: bool, timed: list[tuple[int, int, str]], plain: list[str], offset: int, language: str | None
) -> Lyrics:
    if synced:
        if len(timed) > MAX_LINES:
            raise LyricsRejected(f"lyrics have {len(timed)} timed lines; at most {MAX_LINES}")
        lines = tuple(Line(start, words) for start, _, words in sorted(timed))
    else:
        while plain and not plain[-1]:
            plain.pop()
        while plain and not plain[0]:
            plain.pop(0)
        if len(plain) > MAX_LINES:
            raise LyricsRejected(f"lyrics have {len(plain)} lines; at most {MAX_LINES}")
        lines = tuple(Line(None, words) for words in plain)
    if not any(line.text for line in lines):
        raise LyricsRejected("no lyrics: every line is empty")
    return Lyrics(synced=synced, lines=lines, language=normal_language(language), offset_ms=offset)


def from_bytes(data: bytes, *, language: str | None = None) -> Lyrics:
    return parse(decode(data), language=language)


def check_fits(lyrics: Lyrics, *, duration_ms: int) -> None:
    """A synced line that would be shown after the track has ended is a mistake (wrong file, wrong offset)."""
    if not lyrics.synced or duration_ms <= 0:
        return
    for number, line in enumerate(lyrics.lines, start=1):
        if lyrics.shown_at(line) > duration_ms:
            raise LyricsRejected(
                f"line {number} ({line.text[:30]!r}) starts at {format_time(lyrics.shown_at(line))}, "
                f"after the track ends at {format_time(duration_ms)}"
            )


def format_time(ms: int) -> str:
    return f"{ms // 60000:02d}:{ms // 1000 % 60:02d}.{ms % 1000 // 10:02d}"


def to_lrc(lyrics: Lyrics) -> str:
    """The canonical text: LRC for synced lyrics (what a label downloads to edit), plain text otherwise."""
    head = [f"[offset:{lyrics.offset_ms:+d}]"] if lyrics.offset_ms else []
    if not lyrics.synced:
        return "\n".join(line.text for line in lyrics.lines)
    return "\n".join([*head, *(f"[{_stamp(line.start_ms or 0)}]{line.text}" for line in lyrics.lines)])


def _stamp(ms: int) -> str:
    return f"{ms // 60000:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
