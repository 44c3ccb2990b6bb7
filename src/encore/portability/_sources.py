"""Entries of an uploaded history: a JSON array, JSON lines, or either inside a zip (Spotify's, a
ListenBrainz export, Encore's own export: its `listens.json`, never its other tables).

A JSON array of at most WHOLE_PARSE_BYTES (Spotify writes its history in files of ~12 MB) is parsed at
once by orjson; each entry is let go once handed out. A larger one (a 100k-row history in one file is
~32 MB) is streamed by ijson's C backend, one entry at a time, so memory stays bounded whatever the upload's
size: on 100k rows that costs ~0.08 s of CPU more than orjson (0.22 s against 0.14 s), where parsing it
whole held ~150 MB of entries at once. Zip members are checked before they are opened: only history files
are read, and a member that inflates past the limits is refused (zip bombs).
"""

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson
import orjson

from encore.kernel import ValidationFailed

MAX_UPLOAD_BYTES = 512 << 20
MAX_UNCOMPRESSED_BYTES = 2 << 30
MAX_RATIO = 200  # JSON compresses ~10-20x; a bomb compresses 1000x
MAX_MEMBERS = 10_000
MAX_LINE_BYTES = 64 << 10
WHOLE_PARSE_BYTES = 16 << 20  # a JSON array up to this size may be parsed at once...
# ...if it holds at most this many separators: memory then stays bounded (~100 MB) even for a hostile file of
# millions of tiny values (`[{},{},...]` would otherwise cost ~70 bytes a value); a real history row has ~20
WHOLE_PARSE_MAX_COMMAS = 1_000_000
_BLANK = b" \n\r\t\xef\xbb\xbf"  # whitespace, a UTF-8 BOM
HISTORY_MEMBER = re.compile(
    r"(^|/)(Streaming_History_Audio_[^/]*\.json|endsong_[^/]*\.json|StreamingHistory[^/]*\.json"
    r"|listens\.json|listens/[^\0]*\.jsonl)$"
)


def iter_entries(path: Path, *, name: str) -> Iterator[tuple[str, Any]]:
    """Yields (where, entry) for each history entry; `where` names the file and entry for error messages."""
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(f"file too large: at most {MAX_UPLOAD_BYTES >> 20} MiB", code="file_too_large")
    if zipfile.is_zipfile(path):
        yield from _zip_entries(path)
        return
    with path.open("rb") as f:
        yield from _file_entries(f, name, path.stat().st_size)


def _zip_entries(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationFailed(f"not a readable zip: {exc}", code="bad_zip") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ValidationFailed("zip has too many files", code="bad_zip")
        wanted = [m for m in members if not m.is_dir() and HISTORY_MEMBER.search(m.filename)]
        if not wanted:
            raise ValidationFailed(
                "the zip holds no Spotify, ListenBrainz or Encore listening history", code="wrong_schema"
            )
        total = sum(m.file_size for m in wanted)
        for m in wanted:
            if m.file_size > MAX_UNCOMPRESSED_BYTES or m.file_size > max(m.compress_size, 1) * MAX_RATIO:
                raise ValidationFailed(f"{m.filename}: inflates too much (zip bomb?)", code="zip_bomb")
        if total > MAX_UNCOMPRESSED_BYTES:
            raise ValidationFailed("zip inflates past the limit (zip bomb?)", code="zip_bomb")
        for m in sorted(wanted, key=lambda m: m.filename):
            try:
                with archive.open(m) as f:  # reads no more than the member's declared size
                    yield from _file_entries(f, m.filename, m.file_size)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise ValidationFailed(f"{m.filename}: damaged zip member ({exc})", code="bad_zip") from None


def _file_entries(f: IO[bytes], name: str, size: int) -> Iterator[tuple[str, Any]]:
    if name.endswith(".jsonl"):
        yield from _lines(f, name)
        return
    if size <= WHOLE_PARSE_BYTES:
        data = f.read(WHOLE_PARSE_BYTES + 1)
        if data.count(b",") <= WHOLE_PARSE_MAX_COMMAS and not _has_lone_surrogate(data):
            yield from _whole(data, name)
            return
        f = io.BytesIO(data)  # many tiny values: streamed, so memory stays flat whatever the file holds
    head = f.read(1)
    while head and head in _BLANK:
        head = f.read(1)
    if head != b"[":
        raise ValidationFailed(f"{name}: expected a JSON array of history entries", code="wrong_schema")
    try:
        for i, item in enumerate(ijson.items(_Prefixed(head, f), "item", use_float=True)):
            yield f"{name} entry {i + 1}", item
    except ijson.JSONError as exc:
        raise ValidationFailed(f"{name}: malformed JSON ({str(exc)[:120]})", code="malformed_json") from None
    except UnicodeDecodeError:
        raise ValidationFailed(f"{name}: not UTF-8 text", code="malformed_json") from None


def _has_lone_surrogate(data: bytes) -> bool:
    """An escaped surrogate (`\\ud800`) that orjson would refuse alone: such a file takes the streamed path,
    whose parser (ijson's yajl) reads a lone one as "?", so both paths give the same entries."""
    if b"\\ud" not in data and b"\\uD" not in data:
        return False
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return "surrogate in string" in str(exc)
    return False


def _whole(data: bytes, name: str) -> Iterator[tuple[str, Any]]:
    """The entries of a JSON array held in memory, parsed in one call; the same refusals as the stream's."""
    body = data.lstrip(_BLANK)
    if not body.startswith(b"["):
        raise ValidationFailed(f"{name}: expected a JSON array of history entries", code="wrong_schema")
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:  # also invalid UTF-8
        raise ValidationFailed(f"{name}: malformed JSON ({str(exc)[:120]})", code="malformed_json") from None
    del data, body
    items.reverse()  # popped from the end: each entry is freed once the caller is done with it
    i = 0
    while items:
        i += 1
        yield f"{name} entry {i}", items.pop()


def _lines(f: IO[bytes], name: str) -> Iterator[tuple[str, Any]]:
    for i, line in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES + 1), b"")):
        if len(line) > MAX_LINE_BYTES:
            raise ValidationFailed(f"{name} line {i + 1}: too long", code="malformed_json")
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed(f"{name} line {i + 1}: malformed JSON", code="malformed_json") from None
        except RecursionError:  # a 64 KiB line holds ~32,000 levels: `json` recurses per level, orjson stops at 1,024
            raise ValidationFailed(
                f"{name} line {i + 1}: malformed JSON (nested too deep)", code="malformed_json"
            ) from None
        yield f"{name} line {i + 1}", entry


class _Prefixed:
    """A reader that gives back the bytes already peeked, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head and size != 0:  # ijson probes with read(0) to learn bytes vs text
            out, self.head = self.head, b""
            return out
        return self.rest.read(size)
