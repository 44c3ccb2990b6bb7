"""Late money: subscription money for a month already closed, carried into the first open month after it.

A closed statement is what was paid and never changes. But Stripe retries a failed renewal for weeks, so a
payment covering a closed month's days can arrive after the close, and a payment the month counted can be
refunded later (review21c F2). Each close keeps what every payment had brought the month
(`RoyaltyCountedPayment`); a payment's part now less what was counted is new money for that month (negative
for a refund), carried as a stated adjustment by the first open month after it.

The adjustment is split by the closed month's own streams, not by the month it lands in: the money was paid
for listening in that month, so the artists heard then earned it (pro-rata: by the closed statement's own
lines; user-centric: each late payer's money by their own counted streams of that month). Splitting it by
the landing month would hand one month's subscribers' money to whoever is popular a month later.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from encore.billing import Payment, kept_after_refund
from encore.labels._models import (
    RoyaltyAdjustment,
    RoyaltyAdjustmentLine,
    RoyaltyCountedPayment,
    RoyaltyLine,
    RoyaltyStatement,
)
from encore.labels._policy import largest_remainder, month_bounds, month_part, split_shares
from encore.labels._revenue import counted_rows, pairs_of_tracks
from encore.labels._statement_model import Adjustment, Line

LineKey = tuple[int | None, str]  # (label id, artist public id): a closed line outlives its artist's row


@dataclass(frozen=True)
class Carried:
    """An adjustment, and each payment's change of what it brought the closed month (written on close)."""

    adjustment: Adjustment
    counted: dict[int, int]


def previous_month(month: str) -> str:
    start, _end = month_bounds(month)
    return f"{start - timedelta(days=1):%Y-%m}"


def carried_months(session: Session, month: str) -> list[RoyaltyStatement]:
    """The closed months whose late money `month` carries: those before it with no open month in between
    (an open month between them carries it instead), oldest first; those closed before money22_1 kept no
    record of their payments and carry nothing."""
    closed = {row.month: row for row in session.scalars(select(RoyaltyStatement).where(RoyaltyStatement.month < month))}
    out: list[RoyaltyStatement] = []
    m = previous_month(month)
    while m in closed:
        out.append(closed[m])
        m = previous_month(m)
    return [row for row in reversed(out) if row.payments_counted]


def kept_by_payment(session: Session, *, currency: str, month: str) -> dict[int, tuple[int | None, Fraction, int]]:
    """payment id -> (payer, its part of the month's money now, its whole amount kept now), for payments
    covering `month` in `currency`."""
    start, end = month_bounds(month)
    rows = session.execute(
        select(
            Payment.id, Payment.user_id, Payment.amount_cents, Payment.refunded_cents,
            Payment.period_start, Payment.period_end,
        ).where(Payment.period_end > start, Payment.period_start < end, Payment.currency == currency.upper())
    )  # fmt: skip
    out: dict[int, tuple[int | None, Fraction, int]] = {}
    for pid, user, amount, refunded, paid_from, paid_to in rows:
        kept = kept_after_refund(amount_cents=amount, refunded_cents=refunded)
        out[pid] = (user, month_part(kept, paid_from=paid_from, paid_to=paid_to, start=start, end=end), kept)
    return out


def _signed_split(total: int, weights: dict[LineKey, int], order: dict[LineKey, str]) -> dict[LineKey, int]:
    parts = largest_remainder(abs(total), weights, order=order)
    return {k: v if total >= 0 else -v for k, v in parts.items()}


def _late_money(session: Session, closed: RoyaltyStatement) -> tuple[int, dict[int | None, int], dict[int, int]]:
    """(cents carried, each payer's part of them, each payment's change of its kept amount).

    Carried as a running total, so that rounding loses nothing over time (review22m F6): what the payments' change
    since the close is worth now, rounded down as a month's total is, less what the change already counted (by
    earlier statements' carries) was worth by the same rule. A carry rounds down the whole since the close, not
    its own part: each cent a carry leaves behind is carried by a later one once the total reaches it."""
    start, end = month_bounds(closed.month)
    at_close: dict[int, int] = defaultdict(int)  # what the closed month counted of each payment when it closed
    counted: dict[int, int] = defaultdict(int)  # ...and with the changes carried since
    for statement_id, pid, kept in session.execute(
        select(RoyaltyCountedPayment.statement_id, RoyaltyCountedPayment.payment_id, RoyaltyCountedPayment.kept_cents)
        .where(RoyaltyCountedPayment.month == closed.month)
    ):  # fmt: skip
        counted[pid] += kept
        if statement_id == closed.id:
            at_close[pid] += kept
    paid = session.execute(
        select(Payment.period_start, Payment.period_end, Payment.id).where(Payment.id.in_(list(counted)))
    ).all() if counted else []  # fmt: skip
    spans = {pid: (a, b) for a, b, pid in paid}
    now_net: dict[int | None, Fraction] = defaultdict(Fraction)  # each payer's change since the close, as it is now
    was_net: dict[int | None, Fraction] = defaultdict(Fraction)  # ...as far as it was carried already
    changed: dict[int, int] = {}
    for pid, (user, part, kept) in kept_by_payment(session, currency=closed.currency, month=closed.month).items():
        if kept == counted.get(pid, 0) == at_close.get(pid, 0):
            continue  # unchanged since the close; one changed and carried already stays in both running totals
        if kept != counted.get(pid, 0):
            changed[pid] = kept - counted.get(pid, 0)
        a, b = spans.get(pid, (start, start))
        first = month_part(at_close.get(pid, 0), paid_from=a, paid_to=b, start=start, end=end)
        now_net[user] += part - first
        was_net[user] += month_part(counted.get(pid, 0), paid_from=a, paid_to=b, start=start, end=end) - first
    now_cents, now_by = _worth(now_net, closed.payout_share_pct)
    was_cents, was_by = _worth(was_net, closed.payout_share_pct)
    by_user = {u: now_by.get(u, 0) - was_by.get(u, 0) for u in set(now_by) | set(was_by)}
    return now_cents - was_cents, by_user, changed


def _worth(net: dict[int | None, Fraction], pct: int) -> tuple[int, dict[int | None, int]]:
    """Payers' changes as cents for the labels: money in and money back each rounded down (`split_shares`)."""
    more, more_by = split_shares({u: v for u, v in net.items() if v > 0}, pct)
    less, less_by = split_shares({u: -v for u, v in net.items() if v < 0}, pct)
    return more - less, {u: more_by.get(u, 0) - less_by.get(u, 0) for u in set(more_by) | set(less_by)}


def _lines(
    session: Session, closed: RoyaltyStatement, cents: int, by_user: dict[int | None, int]
) -> tuple[list[Line], int]:
    """Split late cents by the closed month's own streams: pro-rata by its stored lines, user-centric by each
    payer's own counted streams of that month. Returns the lines and the user-centric part nobody streamed."""
    stored = {
        (ln.label_id, ln.artist_public_id): ln
        for ln in session.scalars(select(RoyaltyLine).where(RoyaltyLine.statement_id == closed.id))
    }
    names: dict[LineKey, tuple[str, str]] = {k: (ln.label_name, ln.artist_name) for k, ln in stored.items()}
    order = {k: f"{k[0] or 0:012d}:{k[1]}" for k in stored}
    pro_rata = _signed_split(cents, {k: ln.streams for k, ln in stored.items()}, order)
    user_centric: dict[LineKey, int] = defaultdict(int)
    start, end = month_bounds(closed.month)
    payers = {u for u, c in by_user.items() if c and u is not None}
    mine: dict[int, dict[LineKey, int]] = defaultdict(lambda: defaultdict(int))
    if payers:
        pair_of, info = pairs_of_tracks(session)
        for user, track, n in counted_rows(session, start=start, end=end):
            if user in payers:
                pair = pair_of[track]
                key = (pair[0], info[pair].artist_public_id)
                mine[user][key] += n
                names.setdefault(key, (info[pair].label_name, info[pair].artist_name))
                order.setdefault(key, f"{key[0] or 0:012d}:{key[1]}")
    unallocated = 0
    for user, c in by_user.items():
        if user is None or user not in mine:
            unallocated += c
            continue
        for key, part in _signed_split(c, dict(mine[user]), order).items():
            user_centric[key] += part
    keys = sorted(
        set(pro_rata) | set(user_centric), key=lambda k: (names[k][0].casefold(), names[k][1].casefold(), k[1])
    )
    lines = [
        Line(
            k[0], names[k][0], k[1], names[k][1], stored[k].streams if k in stored else 0,
            pro_rata.get(k, 0), user_centric.get(k, 0),
        )
        for k in keys
        if pro_rata.get(k, 0) or user_centric.get(k, 0)
    ]  # fmt: skip
    return lines, unallocated


def late_adjustments(session: Session, *, month: str, currency: str) -> list[Carried]:
    """The adjustments `month`'s statement carries, oldest month first. A closed month in another currency
    than this statement's is left for a statement in its own (no exchange rate is known)."""
    out = []
    for closed in carried_months(session, month):
        if closed.currency.upper() != currency.upper():
            continue
        cents, by_user, changed = _late_money(session, closed)
        if cents == 0:  # nothing, or less than a cent more so far: it stays uncounted until it adds up to one
            continue
        lines, unallocated = _lines(session, closed, cents, by_user)
        out.append(Carried(Adjustment(closed.month, cents, unallocated, lines), changed))
    return out


def record_counted(session: Session, *, statement_id: int, month: str, currency: str, carried: list[Carried]) -> None:
    """On close: what each payment brought this month, and what this statement carried for earlier months,
    so that no later statement counts either again."""
    rows = [
        {"statement_id": statement_id, "month": month, "payment_id": pid, "kept_cents": kept}
        for pid, (_u, _part, kept) in kept_by_payment(session, currency=currency, month=month).items()
        if kept
    ]
    for c in carried:
        a = c.adjustment
        adj = RoyaltyAdjustment(
            statement_id=statement_id,
            for_month=a.for_month,
            subscription_cents=a.subscription_cents,
            user_centric_unallocated_cents=a.user_centric_unallocated_cents,
        )
        session.add(adj)
        session.flush()
        if a.lines:
            session.execute(
                insert(RoyaltyAdjustmentLine),
                [
                    {
                        "adjustment_id": adj.id, "label_id": ln.label_id, "label_name": ln.label_name,
                        "artist_public_id": ln.artist_id, "artist_name": ln.artist_name, "streams": ln.streams,
                        "pro_rata_cents": ln.pro_rata_cents, "user_centric_cents": ln.user_centric_cents,
                    }
                    for ln in a.lines
                ],
            )  # fmt: skip
        rows += [
            {"statement_id": statement_id, "month": a.for_month, "payment_id": pid, "kept_cents": change}
            for pid, change in c.counted.items()
        ]
    if rows:
        session.execute(insert(RoyaltyCountedPayment), rows)
    session.flush()


def stored_adjustments(session: Session, statement_id: int) -> list[Adjustment]:
    out = []
    for adj in session.scalars(
        select(RoyaltyAdjustment)
        .where(RoyaltyAdjustment.statement_id == statement_id)
        .order_by(RoyaltyAdjustment.for_month)
    ):
        lines = [
            Line(
                ln.label_id, ln.label_name, ln.artist_public_id, ln.artist_name, ln.streams,
                ln.pro_rata_cents, ln.user_centric_cents,
            )
            for ln in session.scalars(
                select(RoyaltyAdjustmentLine)
                .where(RoyaltyAdjustmentLine.adjustment_id == adj.id)
                .order_by(RoyaltyAdjustmentLine.id)
            )
        ]  # fmt: skip
        out.append(Adjustment(adj.for_month, adj.subscription_cents, adj.user_centric_unallocated_cents, lines))
    return out
