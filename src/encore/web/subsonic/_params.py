"""Request parameters from the query string and a POSTed form, read defensively."""

from collections.abc import Sequence
from urllib.parse import unquote_to_bytes

from encore.web.subsonic._envelope import GENERIC, MISSING_PARAMETER, SubsonicError

MAX_VALUES = 1000  # repeated parameters (id=...&id=...) beyond this are refused


def undecodable(raw: bytes) -> str | None:
    """The name of the first field of a query string or urlencoded form whose name or value, percent-decoded,
    is not UTF-8 (None when every one is). The usual parse (Starlette's, `parse_qsl`) puts U+FFFD in its
    place, and a playlist would be stored under a name the listener never typed (review25c L12)."""
    for field in raw.split(b"&"):
        name, _, value = field.partition(b"=")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")[:40]
    return None


class Params:
    def __init__(self, pairs: Sequence[tuple[str, str]], *, undecodable: str | None = None) -> None:
        self.undecodable = undecodable  # a field that was not UTF-8: refused before anything runs
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
