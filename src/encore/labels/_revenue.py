"""A month's money and counted streams, read from entitlements (impressions, subscriptions) and the verified
streams the byte path recorded (`encore.playback`)."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.ads import AdBreak, AdCampaign
from encore.billing import Subscription, SubState
from encore.catalog import Album, Artist, Label, Track, TrackArtist
from encore.labels._policy import largest_remainder
from encore.playback import VerifiedStream


@dataclass(frozen=True)
class Terms:
    """From settings: what a subscription costs per period, and the share of it paid to rights holders."""

    price_cents: int
    period_days: int
    payout_share_pct: int
    currency: str


@dataclass(frozen=True)
class Money:
    ad_cents: int
    subscription_cents: int
    per_user: dict[int, int]  # each listener's part of the pool; sums to ad_cents + subscription_cents


PairKey = tuple[int | None, int | None]  # (label id, primary artist id)


@dataclass(frozen=True)
class PairInfo:
    label_name: str
    artist_public_id: str
    artist_name: str


def _ad_money(session: Session, start: datetime, end: datetime) -> tuple[int, dict[int, int]]:
    """Impressions x CPM: each played-through ad earns cpm/1000 cents; fractions are summed before rounding."""
    rows = session.execute(
        select(AdBreak.user_id, func.sum(AdCampaign.cpm_cents))
        .join(AdCampaign, AdCampaign.id == AdBreak.campaign_id)
        .where(AdBreak.completed_at >= start, AdBreak.completed_at < end)
        .group_by(AdBreak.user_id)
    ).all()
    milli = {int(u): int(m or 0) for u, m in rows}
    total = sum(milli.values()) // 1000
    return total, largest_remainder(total, milli)


def _paid_seconds(sub: Subscription, start: datetime, end: datetime) -> int:
    """Seconds of this month the subscriber paid for (a trial pays nothing)."""
    if sub.state == SubState.TRIALING.value or sub.period_end is None:
        return 0
    paid_from = max(sub.created_at, sub.trial_end) if sub.trial_end is not None else sub.created_at
    lo, hi = max(paid_from, start), min(sub.period_end, end)
    return max(0, int((hi - lo).total_seconds()))


def _subscription_money(session: Session, terms: Terms, start: datetime, end: datetime) -> tuple[int, dict[int, int]]:
    weights = {}
    for sub in session.scalars(select(Subscription).where(Subscription.period_end > start)):
        paid = _paid_seconds(sub, start, end)
        if paid:
            weights[sub.user_id] = terms.price_cents * paid
    period_s = terms.period_days * 86_400
    total = sum(weights.values()) * terms.payout_share_pct // (period_s * 100)
    return total, largest_remainder(total, weights)


def month_money(session: Session, *, terms: Terms, start: datetime, end: datetime) -> Money:
    ad_total, ad_users = _ad_money(session, start, end)
    sub_total, sub_users = _subscription_money(session, terms, start, end)
    per_user: dict[int, int] = defaultdict(int)
    for part in (ad_users, sub_users):
        for user, cents in part.items():
            per_user[user] += cents
    return Money(ad_total, sub_total, dict(per_user))


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
