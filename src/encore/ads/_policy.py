"""Pure ad decisions: whether an ad is due, whether one played through, which campaign runs next."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from encore.billing import Decision, Tier


@dataclass(frozen=True)
class AdClock:
    listened_ms: int  # music handed out since the last ad played through


def ad_due(*, tier: Tier, clock: AdClock, interval_s: int) -> Decision:
    if tier is Tier.PREMIUM:
        return Decision(True, "premium_no_ads", tier)
    if clock.listened_ms >= interval_s * 1000:
        return Decision(False, "ad_break_due", tier)
    return Decision(True, "ad_not_due", tier)


def ad_played_through(*, issued_at: datetime, duration_ms: int, reported_at: datetime, slack_ms: int = 1000) -> bool:
    """An ad counts only if at least its own length has passed since its URL was issued."""
    return reported_at >= issued_at + timedelta(milliseconds=max(0, duration_ms - slack_ms))


@dataclass(frozen=True)
class CampaignCandidate:
    id: int
    starts_at: datetime
    ends_at: datetime
    budget: int
    impressions: int
    genres: frozenset[str]
    hour_from: int | None
    hour_to: int | None
    freq_cap_per_day: int
    user_impressions_today: int
    last_served_to_user: datetime | None


def campaign_eligible(c: CampaignCandidate, *, now: datetime, genres: frozenset[str]) -> str | None:
    """None when the campaign may run now; otherwise the reason it may not."""
    if not (c.starts_at <= now < c.ends_at):
        return "outside_dates"
    if c.impressions >= c.budget:
        return "budget_spent"
    if c.user_impressions_today >= c.freq_cap_per_day:
        return "frequency_cap"
    if c.genres and not (c.genres & genres):
        return "genre_mismatch"
    if c.hour_from is not None and c.hour_to is not None:
        h = now.hour
        inside = c.hour_from <= h < c.hour_to if c.hour_from <= c.hour_to else (h >= c.hour_from or h < c.hour_to)
        if not inside:
            return "outside_hours"
    return None


def pick_campaign(
    candidates: list[CampaignCandidate], *, now: datetime, genres: frozenset[str]
) -> CampaignCandidate | None:
    """Rotation: of the eligible campaigns, the one this listener heard least recently, then fewest overall."""
    ok = [c for c in candidates if campaign_eligible(c, now=now, genres=genres) is None]
    if not ok:
        return None
    floor = datetime.min.replace(tzinfo=now.tzinfo)
    return min(ok, key=lambda c: (c.last_served_to_user or floor, c.impressions, c.id))
