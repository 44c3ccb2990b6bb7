"""What a royalty statement holds: its pool, its figures and one line per (label, artist)."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Line:
    label_id: int | None
    label_name: str
    artist_id: str
    artist_name: str
    streams: int
    pro_rata_cents: int
    user_centric_cents: int


@dataclass(frozen=True)
class Adjustment:
    """Subscription money for `for_month`, a month already closed, that arrived after it closed (negative: a
    refund of money it had counted), carried into this statement; split by `for_month`'s own streams."""

    for_month: str
    subscription_cents: int
    user_centric_unallocated_cents: int
    lines: list[Line]


@dataclass(frozen=True)
class Statement:
    month: str
    status: str  # open | closed
    closed_at: datetime | None
    currency: str
    ad_cents: int
    subscription_cents: int
    payout_share_pct: int
    streams: int
    # Money of listeners who streamed nothing counted this month (and of accounts deleted since they paid).
    user_centric_unallocated_cents: int
    lines: list[Line]
    # Payments covering this month in another currency than the statement's: not counted (no exchange rate is
    # known). Known for an open month only: a closed month keeps what it counted, not this.
    other_currency_payments: int = 0
    # When an open month's figures were computed (they are kept a few minutes, labels._kept); None when closed.
    as_of: datetime | None = None
    # Late money for earlier, closed months carried into this one (labels._late); paid with this month.
    adjustments: list[Adjustment] = field(default_factory=list)

    @property
    def pool_cents(self) -> int:
        return self.ad_cents + self.subscription_cents

    @property
    def late_cents(self) -> int:
        return sum(a.subscription_cents for a in self.adjustments)
