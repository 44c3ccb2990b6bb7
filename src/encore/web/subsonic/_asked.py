"""Which format a Subsonic client asked for (`f`, and `callback` for jsonp), wherever it put them.

A client may send them in the query or in a POSTed form's body (py-sonic and py-opensonic send every parameter
there). A refusal that comes before the form is read (too many fields, a file part, a broken multipart body, a
body over the limit) answers in that format too: the body, or the part of it received, is searched for `f` and
`callback` alone, among its first MAX_FORM_FIELDS fields, as Starlette's form parser would have read them, and
a multipart body only up to its first file part, where the parser stops (review18b: parsing a refused 1 MiB
body whole, before any log-in, on the event loop, cost ~190 ms and 28 MB a request). A body cut short (a prefix)
drops its last, unfinished field.
"""

from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from encore.web.subsonic._params import Params

if TYPE_CHECKING:  # a typing-only name in python-multipart
    from python_multipart.multipart import MultipartCallbacks

MAX_FORM_FIELDS = 2000
_ASKED = ("f", "callback")
_MAX_VALUE = 100  # bytes kept of an `f` or `callback` value: longer is neither a format nor a callback's name
FormKind = Literal["urlencoded", "multipart"]


def form_kind(content_type: str) -> FormKind | None:
    """The form a body holds, by its media type (case-insensitive, RFC 9110 §8.3.1), or None for any other."""
    kind = content_type.lower()
    if kind.startswith("application/x-www-form-urlencoded"):
        return "urlencoded"
    if kind.startswith("multipart/form-data"):
        return "multipart"
    return None


def answer_format(params: Params) -> str:
    f = (params.get("f") or "xml").lower()
    return f if f in ("json", "jsonp") else "xml"


def asked(query: Sequence[tuple[str, str]], *, content_type: str, body: bytes, whole: bool = True) -> Params:
    """The query's parameters, then the body's `f` and `callback` (the query's come first, as for a form read)."""
    kind = form_kind(content_type)
    if kind == "urlencoded":
        found = _urlencoded(body, whole=whole)
    elif kind == "multipart":
        found = _multipart(body, content_type)
    else:
        found = []
    return Params([*query, *found])


def _urlencoded(body: bytes, *, whole: bool) -> list[tuple[str, str]]:
    fields = body.split(b"&", MAX_FORM_FIELDS)[:MAX_FORM_FIELDS]
    if not whole and len(fields) < MAX_FORM_FIELDS:
        fields = fields[:-1]  # the last field of a prefix may be cut in its middle ("f=js")
    wanted = (f[: len(b"callback=") + _MAX_VALUE + 1] for f in fields if f.startswith((b"f=", b"callback=")))
    return [(k, v) for k, v in parse_qsl(b"&".join(wanted).decode("utf-8", "replace")) if k in _ASKED]


class _Stop(Exception):
    """Raised from a callback: the parser would have stopped here (a file part, too many fields)."""


class _Parts:
    """python-multipart's callbacks (the parser Starlette uses), keeping only the `f` and `callback` fields."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []
        self.fields = 0
        self.header, self.value, self.disposition = b"", b"", b""
        self.name: str | None = None  # the part's name, while it is one we keep
        self.data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end][:100]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end][:1000]

    def on_header_end(self) -> None:
        if self.header.strip().lower() == b"content-disposition":
            self.disposition = self.value
        self.header, self.value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.disposition = b""
        if b"filename" in options:
            raise _Stop  # Encore's form takes no file: the parser refuses at the first
        self.fields += 1
        if self.fields > MAX_FORM_FIELDS or b"name" not in options:
            raise _Stop  # as the parser does: past its fields, or at a part that has no name
        name = options[b"name"].decode("utf-8", "replace")
        self.name = name if name in _ASKED else None
        self.data.clear()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.name is not None and len(self.data) <= _MAX_VALUE:
            self.data += data[start:end][: _MAX_VALUE + 1 - len(self.data)]

    def on_part_end(self) -> None:
        if self.name is not None:
            self.found.append((self.name, self.data.decode("utf-8", "replace")))
        self.name = None


def _multipart(body: bytes, content_type: str) -> list[tuple[str, str]]:
    """The `f` and `callback` fields of the parts that end within `body` (a part cut short is not read)."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        return []
    parts = _Parts()
    callbacks: MultipartCallbacks = {
        "on_header_field": parts.on_header_field,
        "on_header_value": parts.on_header_value,
        "on_header_end": parts.on_header_end,
        "on_headers_finished": parts.on_headers_finished,
        "on_part_data": parts.on_part_data,
        "on_part_end": parts.on_part_end,
    }
    with suppress(_Stop, FormParserError):  # what was read before it stopped (or the body broke) still stands
        MultipartParser(boundary, callbacks).write(body)
    return parts.found
