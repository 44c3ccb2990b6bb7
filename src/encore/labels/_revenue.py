"""A month's money and counted streams, read from ad impressions, the payments billing received and the
verified streams the byte path recorded (`encore.playback`)."""

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.ads import AdBreak, AdCampaign
from encore.billing import Payment, kept_after_refund
from encore.catalog import Album, Artist, Label, Track, TrackArtist
from encore.labels._policy import largest_remainder, month_part, split_shares
from encore.playback import VerifiedStream

log = logging.getLogger("encore.labels")


@dataclass(frozen=True)
class Terms:
    """From settings: the share of subscription money paid to rights holders, and the statement's currency.

    What a subscription costs is not here: a statement counts what payments actually brought in
    (`billing.Payment`), so a price change never rewrites a month already paid for.
    """

    payout_share_pct: int
    currency: str


@dataclass(frozen=True)
class Money:
    ad_cents: int
    subscription_cents: int
    # Each listener's part of the pool; sums to ad_cents + subscription_cents. None: money paid by accounts
    # deleted since (it stays in the pool, for no listener's own streams).
    per_user: dict[int | None, int]
    # Payments for this month in another currency than the statement's: not counted (no exchange rate is
    # known), but never left out silently (logged when a month is computed).
    other_currency_payments: int = 0


PairKey = tuple[int | None, int | None]  # (label id, primary artist id)


@dataclass(frozen=True)
class PairInfo:
    label_name: str
    artist_public_id: str
    artist_name: str


def _ad_money(session: Session, start: datetime, end: datetime) -> tuple[int, dict[int | None, int]]:
    """Impressions x CPM: each played-through ad earns cpm/1000 cents; fractions are summed before rounding.

    Never more impressions of a campaign than its advertiser bought: ranked by when they played through
    (over the campaign's whole life, not just this month), its first `budget_impressions` are paid and any
    after are not. Breaks handed out before the budget ran out can still finish after it.
    """
    in_month = (AdBreak.completed_at >= start) & (AdBreak.completed_at < end)
    rank = func.row_number().over(partition_by=AdBreak.campaign_id, order_by=(AdBreak.completed_at, AdBreak.id))
    ranked = (
        select(AdBreak.user_id, AdBreak.campaign_id, AdBreak.completed_at, rank.label("n"))
        .where(
            AdBreak.completed_at < end,
            AdBreak.campaign_id.in_(select(AdBreak.campaign_id).where(in_month).distinct()),
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.user_id, func.sum(AdCampaign.cpm_cents))
        .join(AdCampaign, AdCampaign.id == ranked.c.campaign_id)
        .where(ranked.c.completed_at >= start, ranked.c.n <= AdCampaign.budget_impressions)
        .group_by(ranked.c.user_id)
    ).all()
    milli: dict[int | None, int] = {u: int(m or 0) for u, m in rows}  # None: accounts deleted since
    total = sum(milli.values()) // 1000
    return total, largest_remainder(total, milli)


def _subscription_money(
    session: Session, terms: Terms, start: datetime, end: datetime
) -> tuple[int, dict[int | None, int]]:
    """Money received for Premium, in the statement's currency, that falls in this month: each paid invoice,
    less what was refunded of it, spread evenly over the period it paid for; times the payout share.

    Only payments count (`billing.Payment`, written from the provider's paid invoices): admin grants,
    redeemed or demo codes and trials bring no money, and a period whose card payment failed (`past_due`)
    counts only once a retry is paid. A listener who lapses and renews is counted for the periods paid,
    not for the gap between them.
    """
    rows = session.execute(
        select(
            Payment.user_id, Payment.amount_cents, Payment.refunded_cents, Payment.period_start, Payment.period_end
        ).where(Payment.period_end > start, Payment.period_start < end, Payment.currency == terms.currency.upper())
    )
    shares: dict[int | None, Fraction] = defaultdict(Fraction)
    for user, amount, refunded, paid_from, paid_to in rows:
        kept = kept_after_refund(amount_cents=amount, refunded_cents=refunded)
        shares[user] += month_part(kept, paid_from=paid_from, paid_to=paid_to, start=start, end=end)
    return split_shares(shares, terms.payout_share_pct)


def _other_currencies(session: Session, terms: Terms, start: datetime, end: datetime) -> int:
    """How many payments for this month are in another currency (a Stripe price with `currency_options`)."""
    other = session.execute(
        select(Payment.currency, func.count())
        .where(Payment.period_end > start, Payment.period_start < end, Payment.currency != terms.currency.upper())
        .group_by(Payment.currency)
        .order_by(Payment.currency)
    ).all()
    for currency, n in other:
        log.warning(
            "%d payment(s) in %s for %s..%s are not counted: statements are in %s (ENCORE_PREMIUM_CURRENCY)",
            n, currency, start.date(), end.date(), terms.currency.upper(),
        )  # fmt: skip
    return sum(int(n) for _c, n in other)


def month_money(session: Session, *, terms: Terms, start: datetime, end: datetime) -> Money:
    ad_total, ad_users = _ad_money(session, start, end)
    sub_total, sub_users = _subscription_money(session, terms, start, end)
    per_user: dict[int | None, int] = defaultdict(int)
    for part in (ad_users, sub_users):
        for user, cents in part.items():
            per_user[user] += cents
    return Money(ad_total, sub_total, dict(per_user), _other_currencies(session, terms, start, end))


def counted_rows(session: Session, *, start: datetime, end: datetime) -> Iterator[tuple[int | None, int, int]]:
    """(user id, track id, counted streams), ordered by user. Only verified streams count: 30 s of the
    track's audio that Encore itself sent the listener, once per play; what clients report (plays,
    scrobbles, imports) feeds history and Wrapped, never money. Ads are tracks too, but an ad's plays are
    impressions, not streams. A de-identified stream (forgotten history) has user None."""
    ads = set(session.scalars(select(AdCampaign.track_id)))
    # Core on the session's connection: many result rows need no ORM row handling.
    rows = session.connection().execute(
        select(VerifiedStream.user_id, VerifiedStream.track_id, func.count())
        .where(VerifiedStream.first_byte_at >= start, VerifiedStream.first_byte_at < end)
        .group_by(VerifiedStream.user_id, VerifiedStream.track_id)
        .order_by(VerifiedStream.user_id, VerifiedStream.track_id)
    )
    for user, track, n in rows:
        if track not in ads:
            yield user, track, n


def counted_streams(session: Session, *, start: datetime, end: datetime) -> dict[int | None, dict[int, int]]:
    """user id -> track id -> counted streams (for tests and tools; statements stream counted_rows)."""
    out: dict[int | None, dict[int, int]] = defaultdict(dict)
    for user, track, n in counted_rows(session, start=start, end=end):
        out[user][track] = n
    return out


def pairs_of_tracks(session: Session) -> tuple[dict[int, PairKey], dict[PairKey, PairInfo]]:
    """Each track belongs to (its album's label, its first-listed artist); a statement line is such a pair."""
    by_track: dict[int, PairKey] = {}
    info: dict[PairKey, PairInfo] = {}
    rows = session.execute(
        select(Track.id, Album.label_id, Label.name, Artist.id, Artist.public_id, Artist.name)
        .join(Album, Album.id == Track.album_id)
        .outerjoin(Label, Label.id == Album.label_id)
        .outerjoin(TrackArtist, (TrackArtist.track_id == Track.id) & (TrackArtist.position == 0))
        .outerjoin(Artist, Artist.id == TrackArtist.artist_id)
    )
    for track_id, label_id, label_name, artist_id, artist_pid, artist_name in rows:
        key = (label_id, artist_id)
        by_track[track_id] = key
        if key not in info:
            info[key] = PairInfo(label_name or "(no label)", artist_pid or "", artist_name or "(unknown artist)")
    return by_track, info
