"""One file out of a multipart/form-data body, written as its bytes arrive (`curl -F file=@history.zip`).

The history import takes the file's bytes as the body; a form was written to disk whole, its MIME framing
read as the history and refused against a name the listener never sent ("upload.json: expected a JSON array",
probe22 F9). Streamed by python-multipart's parser, so nothing is spooled twice and the route's own size cap
still counts every byte. The first part that carries a file name is the file; other fields are dropped.
"""

from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from encore.ingest import display_name
from encore.kernel import ValidationFailed


def is_multipart(content_type: str) -> bool:
    return content_type.strip().lower().startswith("multipart/form-data")


class MultipartFile:
    """Feed it the body's chunks; the form's file is written to `out`, and `finish` gives its name."""

    def __init__(self, content_type: str, out: BinaryIO) -> None:
        boundary = parse_options_header(content_type)[1].get(b"boundary")
        if not boundary:
            raise ValidationFailed("the multipart form names no boundary in its Content-Type", code="invalid_multipart")
        self._out = out
        self._name: str | None = None
        self._in_file = self._ended = False
        self._field, self._value = bytearray(), bytearray()
        self._disposition = b""
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": lambda data, start, end: self._field.extend(data[start:end]),
                "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise ValidationFailed(f"not a readable multipart form ({exc})", code="invalid_multipart") from None

    def finish(self) -> str:
        """The file's name, once the whole form has arrived."""
        if not self._ended:
            raise ValidationFailed(
                "the multipart form ended before its closing boundary: was the upload cut short?",
                code="invalid_multipart",
            )
        if self._name is None:
            raise ValidationFailed(
                "the form holds no file: send it as a file field (curl -F file=@history.zip)", code="no_file"
            )
        return self._name

    def _part_begin(self) -> None:
        self._disposition = b""

    def _header_end(self) -> None:
        if bytes(self._field).strip().lower() == b"content-disposition":
            self._disposition = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        filename = parse_options_header(self._disposition)[1].get(b"filename")
        if filename is None:
            return
        if self._name is not None:
            raise ValidationFailed("send one file per import", code="too_many_files")
        self._name = display_name(filename.decode("utf-8", "replace"))  # as label uploads show theirs
        self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._out.write(data[start:end])

    def _part_end(self) -> None:
        self._in_file = False

    def _end(self) -> None:
        self._ended = True
