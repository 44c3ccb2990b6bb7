"""Request parameters from the query string and a POSTed form, read defensively."""

import codecs
from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from encore.web.subsonic._envelope import GENERIC, MISSING_PARAMETER, SubsonicError

if TYPE_CHECKING:  # a typing-only name in python-multipart
    from python_multipart.multipart import MultipartCallbacks

MAX_VALUES = 1000  # repeated parameters (id=...&id=...) beyond this are refused


def undecodable(raw: bytes) -> str | None:
    """Why a query string or urlencoded form is refused: the first field whose name or value, percent-decoded,
    is not UTF-8 (None when every one is). The usual parse (Starlette's, `parse_qsl`) puts U+FFFD in its
    place, and a playlist would be stored under a name the listener never typed (review25c L12)."""
    for field in raw.split(b"&"):
        name, _, value = field.partition(b"=")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                shown = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")[:40]
                return f"parameter {shown} is not valid UTF-8 (percent-encode the text's UTF-8 bytes)"
    return None


def text_codec(charset: str) -> str | None:
    """Python's name for a charset that reads bytes as text, or None. `codecs.lookup` also finds codecs that are
    not text encodings (rot13, base64, hex, zlib, bz2, uu, quopri: `bytes.decode` refuses them with
    LookupError) and one that reads nothing (`undefined`: UnicodeError); such a charset is as unknown as a
    name Python never heard of (review27a M3: they were a 500)."""
    try:
        codec = codecs.lookup(charset).name
        b"a".decode(codec)  # not b"": Python answers "" for empty bytes without asking the codec
    except UnicodeDecodeError:  # a text encoding that does not read this one byte alone (UTF-16, UTF-32)
        return codec
    except (LookupError, UnicodeError):
        return None
    return codec


def undecodable_parts(body: bytes, content_type: str) -> str | None:
    """Why a multipart form (one Starlette read without error) is refused: the first field whose name or value
    is not text in the form's charset (UTF-8 unless its Content-Type names another). Starlette's parse reads
    such bytes as Latin-1 instead (`_user_safe_decode`): a playlist named b"\\xff" was stored as "ÿ", and
    b"Caf\\xc3" (UTF-8 cut short) as "CafÃ", names the listener never typed. A charset Python does not know
    is read as Latin-1 by that parse too: only ASCII is sure to come out as sent, so that is all such a form
    may hold.
    """
    _, options = parse_options_header(content_type)
    boundary, declared = options.get(b"boundary"), options.get(b"charset", b"utf-8")
    codec = text_codec(declared.decode("latin-1")) or "ascii"
    if not boundary:
        return None
    fields = _Fields(codec)
    callbacks: MultipartCallbacks = {
        "on_header_field": fields.on_header_field,
        "on_header_value": fields.on_header_value,
        "on_header_end": fields.on_header_end,
        "on_headers_finished": fields.on_headers_finished,
        "on_part_data": fields.on_part_data,
        "on_part_end": fields.on_part_end,
    }
    with suppress(FormParserError):  # Starlette read it whole: a break here is past what it kept
        MultipartParser(boundary, callbacks).write(body)
    if fields.bad is None:
        return None
    text = "UTF-8" if codec == "utf-8" else f"text in the form's charset ({declared.decode('latin-1')[:40]})"
    return f"parameter {fields.bad} is not valid {text}: send the text's UTF-8 bytes"


class _Fields:
    """python-multipart's callbacks (the parser Starlette uses): the first part whose name or value does not
    decode in `codec`."""

    def __init__(self, codec: str) -> None:
        self.codec = codec
        self.bad: str | None = None
        self.header, self.value, self.disposition = b"", b"", b""
        self.name = b""
        self.data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def on_header_end(self) -> None:
        if self.header.lower() == b"content-disposition":
            self.disposition = self.value
        self.header, self.value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.disposition, self.name = b"", options.get(b"name", b"")
        self.data.clear()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.data += data[start:end]

    def on_part_end(self) -> None:
        if self.bad is not None:
            return
        for part in (self.name, bytes(self.data)):
            try:
                part.decode(self.codec)
            except UnicodeError:  # UnicodeDecodeError, and punycode's or idna's own refusal
                self.bad = self.name.decode("utf-8", "replace")[:40]
                return


class Params:
    def __init__(self, pairs: Sequence[tuple[str, str]], *, undecodable: str | None = None) -> None:
        self.undecodable = undecodable  # why a field that was not text is refused, before anything runs
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name, []).append(value)

    def get(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None or value == "":
            raise SubsonicError(MISSING_PARAMETER, f"required parameter is missing: {name}")
        return value

    def all(self, name: str) -> list[str]:
        values = self._values.get(name, [])
        if len(values) > MAX_VALUES:
            raise SubsonicError(GENERIC, f"too many values for {name} (at most {MAX_VALUES})")
        return values

    def integer(self, name: str, default: int, *, lo: int, hi: int) -> int:
        """An integer in [lo, hi]; a value outside that range or not a number is a client error."""
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        raw = raw.strip()
        digits = raw.removeprefix("-")  # one sign: "--5" is not a number (lstrip took every dash, then int() raised)
        if not (digits.isascii() and digits.isdigit()) or len(raw) > 19:
            raise SubsonicError(GENERIC, f"{name} must be a whole number")
        value = int(raw)
        if not lo <= value <= hi:
            raise SubsonicError(GENERIC, f"{name} must be between {lo} and {hi}")
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        raw = self.get(name)
        return default if raw is None else raw.strip().lower() in ("true", "1", "yes")
