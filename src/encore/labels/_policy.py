"""Pure rules for labels: what counts as a stream, how money is split to the cent, safe CSV cells."""

import heapq
import math
import re
from collections.abc import Hashable, Mapping
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import TypeVar

from encore.kernel import ValidationFailed, spreadsheet_text

STREAM_MIN_MS = 30_000  # a stream counts after 30 s of playback, once per play id
MONTH_RE = re.compile(r"\A([0-9]{4})-(0[1-9]|1[0-2])\Z")
K = TypeVar("K", bound=Hashable)
_US = timedelta(microseconds=1)
_WEIGHT_UNIT = 10**12  # a share's weight when money is split: 10^-12 of a cent


def counts_as_stream(*, ms_played: int) -> bool:
    return ms_played >= STREAM_MIN_MS


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-11' -> [2026-11-01T00:00Z, 2026-12-01T00:00Z)."""
    m = MONTH_RE.fullmatch(month)
    if m is None:
        raise ValidationFailed("month must look like 2026-11", code="bad_month")
    if not 2000 <= int(m.group(1)) <= 2999:  # "9999-12" does look like one (probe19 N4: it was told it did not)
        raise ValidationFailed("month must be between 2000-01 and 2999-12", code="bad_month")
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


def split_shares(shares: Mapping[K, Fraction], pct: int) -> tuple[int, dict[K, int]]:
    """floor(sum of `shares` x pct / 100) whole cents, split over the keys in proportion to their shares.

    The shares are exact (a prorated period is paid by the microsecond), but adding exact fractions whose
    denominators differ builds a common denominator that grows with every payer: a month's statement took
    quadratic time in its payers. Each share is weighed instead in 10^-12 of a cent, rounded down, which can
    move a leftover cent only between two remainders closer than that. The total stays exact: the rounded
    sum lies less than one unit a share below the exact one, so when both ends floor to the same cent that is
    the total, and otherwise (a sum within a few units of a whole cent) the exact fractions are added.
    """
    if pct < 0:
        raise ValueError("negative payout share")
    weights = {key: share.numerator * _WEIGHT_UNIT // share.denominator for key, share in shares.items()}
    low = sum(weights.values())
    cent = 100 * _WEIGHT_UNIT
    total, high = low * pct // cent, (low + len(weights)) * pct // cent
    if total != high:
        total = math.floor(sum(shares.values(), Fraction(0)) * pct / 100)
    return total, largest_remainder(total, weights)


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
    return spreadsheet_text(text)
