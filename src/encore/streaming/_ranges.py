"""HTTP Range (RFC 9110 §14) for one range of bytes. A pure function that never raises.

Policy, and the clause that allows it:
- Only the `bytes` unit (case-insensitive); another unit is ignored → 200 full (§14.2 MUST ignore).
- One range `a-b`, `a-` or `-n` → 206. An end at or past the size is clamped (§14.1.2), however
  many digits it has: `bytes=0-99999999999999999999999` is the whole file as a 206.
- A range starting at or past the size, or a zero-length suffix `bytes=-0`, cannot overlap the
  file → 416 with `Content-Range: bytes */size` (§14.1.1, §15.5.17).
- Syntactically invalid specs, including an inverted `bytes=500-100`, are ignored → 200 full:
  §14.1.1 calls an inverted range-spec invalid and §14.2 lets a server ignore an invalid
  ranges-specifier. (nginx answers 416 here; either is conforming, ignoring is kinder to players.)
- Several ranges → 200 full. We never build multipart/byteranges; §14.2 lets a server ignore Range.
- Headers longer than MAX_HEADER are ignored before any parsing, so a thousand ranges cost one
  length check and nothing is ever quadratic.
"""

from dataclasses import dataclass

MAX_HEADER = 200  # one range never needs more


@dataclass(frozen=True, slots=True)
class Full:
    pass


@dataclass(frozen=True, slots=True)
class Partial:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True, slots=True)
class Unsatisfiable:
    pass


RangeDecision = Full | Partial | Unsatisfiable
_FULL = Full()
_UNSATISFIABLE = Unsatisfiable()


def _number(text: str) -> int | None:
    """ASCII digits only: `str.isdigit` alone would accept '²' or '٣', which `int` then refuses."""
    text = text.strip(" \t")
    if not text or not (text.isascii() and text.isdigit()):
        return None
    return int(text)  # at most MAX_HEADER digits, far below int()'s 4300-digit limit


def parse_range(header: str | None, size: int) -> RangeDecision:
    if not header or len(header) > MAX_HEADER:
        return _FULL
    if header.startswith("bytes="):  # what players send, `bytes=a-b`, decided without the general parse
        first, _, last = header[6:].partition("-")
        if first.isdigit() and last.isdigit() and first.isascii() and last.isascii():
            start, end = int(first), int(last)
            if end < start:
                return _FULL
            return _UNSATISFIABLE if start >= size else Partial(start, min(end, size - 1))
    return _parse(header, size)


def _parse(header: str, size: int) -> RangeDecision:
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip(" \t").lower() != "bytes" or "," in spec:
        return _FULL
    first, dash, last = spec.partition("-")
    if not dash:
        return _FULL
    if not first.strip(" \t"):
        suffix = _number(last)
        if suffix is None:
            return _FULL
        if suffix == 0 or size == 0:
            return _UNSATISFIABLE
        return Partial(max(size - suffix, 0), size - 1)
    start = _number(first)
    if start is None:
        return _FULL
    if last.strip(" \t"):
        end = _number(last)
        if end is None or end < start:
            return _FULL
    else:
        end = size - 1
    if start >= size:
        return _UNSATISFIABLE
    return Partial(start, min(end, size - 1))
