"""Pure rules for labels: what counts as a stream, how money is split to the cent, safe CSV cells."""

import heapq
import re
from collections.abc import Hashable, Mapping
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import TypeVar

from encore.kernel import ValidationFailed

STREAM_MIN_MS = 30_000  # a stream counts after 30 s of playback, once per play id
MONTH_RE = re.compile(r"\A([0-9]{4})-(0[1-9]|1[0-2])\Z")
K = TypeVar("K", bound=Hashable)
_US = timedelta(microseconds=1)


def counts_as_stream(*, ms_played: int) -> bool:
    return ms_played >= STREAM_MIN_MS


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-11' -> [2026-11-01T00:00Z, 2026-12-01T00:00Z)."""
    m = MONTH_RE.fullmatch(month)
    if m is None or not 2000 <= int(m.group(1)) <= 2999:
        raise ValidationFailed("month must look like 2026-11", code="bad_month")
    year, mon = int(m.group(1)), int(m.group(2))
    start = datetime(year, mon, 1, tzinfo=UTC)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=UTC)
    return start, end


def month_part(cents: int, *, paid_from: datetime, paid_to: datetime, start: datetime, end: datetime) -> Fraction:
    """The part of a payment for [paid_from, paid_to) that falls in the month [start, end), by time: a month
    gets exactly what was paid for its days, so a 31-day month of a monthly plan paid from its first day
    gets the whole payment (never 31/30 of it), and the months a period spans add up to the payment."""
    whole = paid_to - paid_from
    inside = min(paid_to, end) - max(paid_from, start)
    if cents <= 0 or whole <= timedelta(0) or inside <= timedelta(0):
        return Fraction(0)
    return Fraction(cents * (inside // _US), whole // _US)


def largest_remainder(total: int, weights: Mapping[K, int], *, order: Mapping[K, str] | None = None) -> dict[K, int]:
    """Split `total` cents by integer `weights` so the parts sum to exactly `total` (Hamilton's method).

    Each part gets floor(total * w / W); the cents left over go one each to the largest remainders,
    ties broken by `order` (a stable text key) so the same inputs always give the same split.
    """
    if total < 0 or any(w < 0 for w in weights.values()):
        raise ValueError("negative money or weight")
    whole = sum(weights.values())
    if whole == 0:
        return dict.fromkeys(weights, 0)
    parts: dict[K, int] = {}
    rems: list[tuple[int, K]] = []
    for key, w in weights.items():
        q, r = divmod(total * w, whole)
        parts[key] = q
        if r:
            rems.append((r, key))
    left = total - sum(parts.values())  # < len(weights): each part lost less than one cent
    if left:
        rank = (lambda t: (-t[0], order[t[1]])) if order is not None else (lambda t: (-t[0], repr(t[1])))
        for _, key in heapq.nsmallest(left, rems, key=rank):
            parts[key] += 1
    return parts


def csv_cell(value: object) -> str:
    """Text a spreadsheet will not run: a cell starting with = + - @ or a control char gets a leading '."""
    text = "" if value is None else str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text  # numbers (also negative ones) stay numbers
    if text and text[0] in "=+-@\t\r\n|":
        return "'" + text
    return text
