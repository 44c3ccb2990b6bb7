"""HTTP Range (RFC 9110 §14) for one range of bytes. A pure function that never raises.

Policy: a syntactically invalid Range header, another unit, or several ranges are ignored and the
whole file is sent (200), as RFC 9110 allows; we do not build multipart responses. A valid range
that starts beyond the end, or a zero-length suffix (`bytes=-0`), is unsatisfiable (416).
"""

from dataclasses import dataclass

MAX_HEADER = 200  # one range never needs more; a longer header is ignored without parsing
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class Full:
    pass


@dataclass(frozen=True)
class Partial:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class Unsatisfiable:
    pass


RangeDecision = Full | Partial | Unsatisfiable


def _number(text: str) -> int | None:
    text = text.strip(" \t")
    if not text or len(text) > 20 or not set(text) <= _DIGITS:
        return None
    return int(text)


def parse_range(header: str | None, size: int) -> RangeDecision:
    if not header or len(header) > MAX_HEADER:
        return Full()
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes" or "," in spec:
        return Full()
    first, dash, last = spec.partition("-")
    if not dash:
        return Full()
    if first.strip() == "":
        suffix = _number(last)
        if suffix is None:
            return Full()
        if suffix == 0 or size == 0:
            return Unsatisfiable()
        return Partial(max(size - suffix, 0), size - 1)
    start = _number(first)
    end = _number(last) if last.strip() else start
    if start is None or end is None or end < start:
        return Full()
    if not last.strip():
        end = size - 1
    if start >= size:
        return Unsatisfiable()
    return Partial(start, min(end, size - 1))
