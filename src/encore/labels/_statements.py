"""Monthly royalty statements: pro-rata and user-centric splits of one pool, exact to the cent.

The pool is money actually received (`_revenue`): ad impressions within what each advertiser bought, and
Premium payments less refunds, spread over the periods they paid for, times the payout share.
An open month is computed on demand and kept a few minutes on the shared state, one computation at a time
(`_kept`: every label's dashboard asks for it); closing it stores the result, and a stored month is what every
later read returns, whatever plays, impressions, payments, refunds or account deletions arrive afterwards.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import chain

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from encore.db import write_lock
from encore.kernel import Conflict, ValidationFailed
from encore.labels._kept import kept_open_month
from encore.labels._late import Carried, late_adjustments, record_counted, stored_adjustments
from encore.labels._models import RoyaltyLine, RoyaltyStatement
from encore.labels._policy import csv_cell, largest_remainder, month_bounds
from encore.labels._revenue import Money, PairKey, Terms, counted_rows, month_money, pairs_of_tracks
from encore.labels._statement_model import Adjustment, Line, Statement
from encore.state import SharedState


def _money(cents: int, currency: str) -> str:
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100:,}.{abs(cents) % 100:02d} {currency.upper()}"


def late_notes(s: Statement) -> list[str]:
    """Each carried adjustment in words: what it is, how much, and this view's part of it."""
    return [_late_note(s, a, whole=True) for a in s.adjustments]


def _late_note(s: Statement, a: Adjustment, *, whole: bool) -> str:
    """One adjustment in words; `whole`: with its whole amount (the admin's), else only the lines' part of it."""
    kind = "late revenue" if a.subscription_cents > 0 else "refunds after the close"
    amount = f"{_money(a.subscription_cents, s.currency)} of subscription money" if whole else "subscription money"
    pro_rata = _money(sum(ln.pro_rata_cents for ln in a.lines), s.currency)
    user_centric = _money(sum(ln.user_centric_cents for ln in a.lines), s.currency)
    return (
        f"Adjustment, {kind} for {a.for_month}: {amount} for {a.for_month} came in or went back after "
        f"{a.for_month} was closed; it is carried into this statement, split by {a.for_month}'s own streams. "
        f"{'On the lines shown' if whole else 'Your part'}: pro-rata {pro_rata}, user-centric {user_centric}."
    )


def pool_notes(s: Statement) -> list[str]:
    """Why a statement's pool is empty, and money received that it does not count, in words an admin can act on
    (pure; from its own figures); then the late money it carries for closed months."""
    return _pool_notes(s) + late_notes(s)


def label_notes(s: Statement) -> list[str]:
    """`pool_notes` for a label's own statement (`for_label`), without a whole-server figure (review24n N1): no
    count of payments and no adjustment's whole amount, only why nothing is shared and the label's own part."""
    return _pool_notes(s, counted=False) + [_late_note(s, a, whole=False) for a in s.adjustments if a.lines]


def _pool_notes(s: Statement, *, counted: bool = True) -> list[str]:
    how_many = f"{s.other_currency_payments:,} Premium payment(s)" if counted else "Some Premium payments"
    other = (
        [
            f"{how_many} covering {s.month} were received in another currency "
            f"than this statement's ({s.currency.upper()}) and are not counted: no exchange rate is known "
            "(ENCORE_PREMIUM_CURRENCY)."
        ]
        if s.other_currency_payments
        else []
    )
    if s.pool_cents > 0:
        return other
    why = []
    if s.ad_cents == 0:
        why.append(f"no ad impression was paid for in {s.month} (each played-through ad earns its campaign's CPM)")
    if s.payout_share_pct == 0:
        why.append("the payout share of subscriptions is 0% (ENCORE_ROYALTY_PAYOUT_SHARE_PCT)")
    elif s.subscription_cents == 0:
        why.append(
            f"no payment received for Premium covers {s.month} "
            "(admin grants, redeemed codes and trials bring no money; refunded payments count only what was kept)"
        )
    notes = ["The pool is empty: " + "; ".join(why) + "."]
    if s.streams:  # a label's statement counts its own streams only (`for_label`)
        notes.append(f"These {s.streams:,} counted streams are kept, but they share nothing for this month.")
    return notes + other


def _order(key: PairKey) -> str:
    return f"{key[0] or 0:012d}:{key[1] or 0:012d}"


def _split(
    rows: Iterable[tuple[int | None, int, int]], pair_of: dict[int, PairKey], money: Money, order: dict[PairKey, str]
) -> tuple[dict[PairKey, int], dict[PairKey, int], set[int]]:
    """One pass over (user, track, streams) rows ordered by user: streams per pair, and each listener's
    own money split by their own streams (the user-centric model)."""
    per_pair: dict[PairKey, int] = defaultdict(int)
    user_centric: dict[PairKey, int] = defaultdict(int)
    listeners: set[int] = set()

    def settle(user: int | None, mine: dict[PairKey, int]) -> None:
        if user is not None:
            listeners.add(user)
        for key, n in mine.items():
            per_pair[key] += n
        cents = 0 if user is None else money.per_user.get(user, 0)
        if cents:
            for key, part in largest_remainder(cents, mine, order=order).items():
                user_centric[key] += part

    started, current = False, None  # a de-identified stream's user is None: it counts, for no one's money
    mine: dict[PairKey, int] = defaultdict(int)
    for user, track, n in rows:
        if not started or user != current:
            if started:
                settle(current, mine)
            started, current, mine = True, user, defaultdict(int)
        mine[pair_of[track]] += n
    if started:
        settle(current, mine)
    return per_pair, user_centric, listeners


def compute_month(session: Session, *, month: str, terms: Terms) -> Statement:
    """A month's statement from what is recorded now, with the late money it carries for closed months."""
    return _compute(session, month=month, terms=terms)[0]


def _compute(session: Session, *, month: str, terms: Terms) -> tuple[Statement, list[Carried]]:
    start, end = month_bounds(month)
    money = month_money(session, terms=terms, start=start, end=end)
    rows = counted_rows(session, start=start, end=end)
    first = next(rows, None)
    # the whole catalogue's (label, artist) pairs only for a month that counted a stream: a month before the
    # server's first play, or far past, costs its money's reads and one empty index range, nothing more
    pair_of, info = pairs_of_tracks(session) if first is not None else ({}, {})
    order = {key: _order(key) for key in info}  # ties in the cent split go the same way every time
    counted = chain([first], rows) if first is not None else iter(())
    per_pair, user_centric, listeners = _split(counted, pair_of, money, order)
    pool = money.ad_cents + money.subscription_cents
    pro_rata = largest_remainder(pool, per_pair, order=order)
    unallocated = sum(c for u, c in money.per_user.items() if u not in listeners)
    lines = [
        Line(
            key[0],
            info[key].label_name,
            info[key].artist_public_id,
            info[key].artist_name,
            n,
            pro_rata[key],
            user_centric.get(key, 0),
        )
        for key, n in per_pair.items()
    ]
    lines.sort(key=lambda ln: (ln.label_name.casefold(), ln.artist_name.casefold(), ln.artist_id))
    carried = late_adjustments(session, month=month, currency=terms.currency)
    return Statement(
        month,
        "open",
        None,
        terms.currency,
        money.ad_cents,
        money.subscription_cents,
        terms.payout_share_pct,
        sum(per_pair.values()),
        unallocated,
        lines,
        money.other_currency_payments,
        adjustments=[c.adjustment for c in carried],
    ), carried


def _stored(session: Session, month: str) -> Statement | None:
    row = session.scalar(select(RoyaltyStatement).where(RoyaltyStatement.month == month))
    if row is None:
        return None
    lines = [
        Line(
            ln.label_id,
            ln.label_name,
            ln.artist_public_id,
            ln.artist_name,
            ln.streams,
            ln.pro_rata_cents,
            ln.user_centric_cents,
        )
        for ln in session.scalars(
            select(RoyaltyLine).where(RoyaltyLine.statement_id == row.id).order_by(RoyaltyLine.id)
        )
    ]
    return Statement(
        row.month,
        "closed",
        row.closed_at,
        row.currency,
        row.ad_cents,
        row.subscription_cents,
        row.payout_share_pct,
        row.streams,
        row.user_centric_unallocated_cents,
        lines,
        adjustments=stored_adjustments(session, row.id),
    )


def statement(session: Session, *, month: str, terms: Terms, now: datetime, state: SharedState) -> Statement:
    """The closed statement if the month was closed, otherwise the month so far (status "open", `as_of` when it
    was computed): kept on the shared state a few minutes and computed by one request at a time (labels._kept)."""
    start, _end = month_bounds(month)
    if start > now:
        raise ValidationFailed("that month has not begun", code="month_in_future")
    stored = _stored(session, month)
    if stored is not None:
        return stored
    return kept_open_month(
        state, month=month, currency=terms.currency, payout_share_pct=terms.payout_share_pct, now=now,
        compute=lambda: replace(compute_month(session, month=month, terms=terms), as_of=now),
    )  # fmt: skip


# How long after a month's end its money and streams may still arrive (review21 F3). A closed statement never
# changes, and the next month counts by its own dates, so a stream that arrives for a closed month is paid in no
# statement, and its money only as a later statement's adjustment (below):
# - a verified stream is written once 30 s were sent, dated by its first byte (a play begun 23:59:50 is
#   written after midnight), and an edge log's streams only when `encore edge ingest-log` next runs;
# - Stripe retries a webhook it could not deliver for up to three days: a renewal's `invoice.paid` (which
#   covers the month's last days) or a refund can come that late.
# Four days cover Stripe's three with a day to spare, and a daily edge-log ingest four times over.
# Later than that (review21c F2): a renewal whose card fails and is retried (Stripe's smart retries run for weeks)
# is paid after its period began, and a payment can be refunded months later. Such money for a closed month is
# carried into the first open month after it as a stated adjustment (labels._late); the closed statement stays.
SETTLEMENT = timedelta(days=4)


@dataclass(frozen=True)
class Closing:
    allowed: bool
    reason: str  # "settled", "month_not_over" or "month_not_settled"
    closable_from: datetime


def may_close(*, month: str, now: datetime) -> Closing:
    """Whether a month's time allows closing it now, and from when it does: SETTLEMENT after its end. The one rule:
    `close_month` refuses by it, and the admin's statement says it, so the page offers Close only then (review31b
    L4: it offered the month still running, then refused in a raw sentence)."""
    _start, end = month_bounds(month)
    when = end + SETTLEMENT
    if now < end:
        return Closing(False, "month_not_over", when)
    if now < when:
        return Closing(False, "month_not_settled", when)
    return Closing(True, "settled", when)


def _closed(month: str) -> Conflict:
    """The one refusal of a second Close, whether it came after the first or raced it (review32a: the racers were
    told an older sentence)."""
    return Conflict(f"{month} is already closed: its statement does not change.", code="month_closed")


def close_month(session: Session, *, month: str, terms: Terms, admin_id: int, now: datetime) -> Statement:
    closing = may_close(month=month, now=now)
    if closing.reason == "month_not_over":
        raise ValidationFailed(
            f"{month} is not over yet: a month can be closed only after it has ended.", code="month_not_over"
        )
    if not closing.allowed:
        raise ValidationFailed(
            f"{month} can be closed from {closing.closable_from:%Y-%m-%d %H:%M} UTC: streams and payments for it "
            f"still arrive for {SETTLEMENT.days} days after it ends (late webhooks, edge logs not yet ingested).",
            code="month_not_settled",
        )
    if session.scalar(select(RoyaltyStatement.id).where(RoyaltyStatement.month == month)) is not None:
        raise _closed(month)
    # No payment or refund is recorded (billing.lock_money) between reading the money and keeping what each
    # payment brought: what the statement counts and what later statements take as counted are the same.
    write_lock(session, "money")
    s, carried = _compute(session, month=month, terms=terms)
    row = RoyaltyStatement(
        month=month,
        closed_at=now,
        closed_by=admin_id,
        currency=s.currency,
        ad_cents=s.ad_cents,
        subscription_cents=s.subscription_cents,
        payout_share_pct=s.payout_share_pct,
        streams=s.streams,
        user_centric_unallocated_cents=s.user_centric_unallocated_cents,
    )
    try:
        with session.begin_nested():  # a close racing this one: its row wins, this one is a conflict
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise _closed(month) from exc
    # Plain bulk insert: a month has one line per (label, artist) pair, tens of thousands of them.
    if s.lines:
        session.execute(
            insert(RoyaltyLine),
            [
                {
                    "statement_id": row.id,
                    "label_id": ln.label_id,
                    "label_name": ln.label_name,
                    "artist_public_id": ln.artist_id,
                    "artist_name": ln.artist_name,
                    "streams": ln.streams,
                    "pro_rata_cents": ln.pro_rata_cents,
                    "user_centric_cents": ln.user_centric_cents,
                }
                for ln in s.lines
            ],
        )
    record_counted(session, statement_id=row.id, month=month, currency=s.currency, carried=carried)
    stored = _stored(session, month)
    assert stored is not None  # noqa: S101 - just written
    return stored


def closed_months(session: Session) -> list[str]:
    return list(session.scalars(select(RoyaltyStatement.month).order_by(RoyaltyStatement.month.desc())))


RECENT_MONTHS = 12  # the months before the running one a statement is offered for, open or closed


def statement_months(session: Session, *, now: datetime) -> list[str]:
    """The months a label's statements list offers, newest first: the one running, the twelve before it (the
    admin's page offers the same year since session 31; a label saw only this month, the last one and the closed
    ones, review32b L7), and any older closed month."""
    recent = [f"{now:%Y-%m}"]
    for _ in range(RECENT_MONTHS):
        start, _end = month_bounds(recent[-1])
        recent.append(f"{start - timedelta(days=1):%Y-%m}")
    older = [m for m in closed_months(session) if m < recent[-1]]
    return recent + older


def closed_for_write(session: Session, at: datetime, *, now: datetime) -> bool:
    """Whether a verified stream first heard `at` falls in a month whose statement is closed, asked by the
    transaction about to write it; the answer holds until that transaction ends (review25m F3). A stream of a month
    that has ended (a drain after an outage, an edge log's line) takes the money lock `close_month` takes before the
    months are read: a close either committed first (and is seen here) or waits for this write (and counts it). A
    stream of a month still running needs no lock: its month cannot be closed until SETTLEMENT after it ends."""
    at, now = at.astimezone(UTC), now.astimezone(UTC)
    if (at.year, at.month) >= (now.year, now.month):
        return False
    write_lock(session, "money")
    month = f"{at:%Y-%m}"
    return session.scalar(select(RoyaltyStatement.id).where(RoyaltyStatement.month == month)) is not None


def for_label(s: Statement, label_id: int) -> Statement:
    """The same statement with only this label's lines and its own count of streams (probe24b F5: the whole
    count told every label the others' volume). Its whole-server money (pool, unallocated, adjustments' whole
    amounts) stays in the object for `label_notes`' reasons, but a label is shown none of it (review24n N1:
    the pool beside its own pro-rata cents gives the whole count back): web's LabelStatementOut leaves it out."""
    lines = [ln for ln in s.lines if ln.label_id == label_id]
    return replace(
        s,
        streams=sum(ln.streams for ln in lines),
        lines=lines,
        adjustments=[replace(a, lines=[ln for ln in a.lines if ln.label_id == label_id]) for a in s.adjustments],
    )


CSV_HEADER = (
    "month",
    "status",
    "label",
    "artist_id",
    "artist",
    "streams",
    "pro_rata_cents",
    "user_centric_cents",
    "currency",
    "late_for",
)


def to_csv(s: Statement) -> str:
    """One row per (label, artist), then one per (label, artist) of each carried adjustment, its closed month in
    `late_for` (empty for the month's own rows); every text cell is made formula-safe for spreadsheets."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    own: list[tuple[Line, str]] = [(ln, "") for ln in s.lines]
    for ln, late_for in own + [(ln, a.for_month) for a in s.adjustments for ln in a.lines]:
        w.writerow(
            [
                csv_cell(v)
                for v in (
                    s.month,
                    s.status,
                    ln.label_name,
                    ln.artist_id,
                    ln.artist_name,
                    ln.streams,
                    ln.pro_rata_cents,
                    ln.user_centric_cents,
                    s.currency,
                    late_for,
                )
            ]
        )
    return buf.getvalue()
