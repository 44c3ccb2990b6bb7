"""Pure decisions: what a listener's tier is, whether they may open a thing, whether an ad is due.

Every face (player API, Subsonic, /v1) asks these functions; none of them touches a database.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Tier(StrEnum):
    FREE = "free"
    PREMIUM = "premium"


class SubState(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    EXPIRED = "expired"


class Availability(StrEnum):
    PUBLIC = "public"
    PREMIUM = "premium"
    PRERELEASE = "prerelease"


@dataclass(frozen=True)
class SubscriptionDates:
    """What the decision needs to know about a subscription; None means the user never had one."""

    state: SubState
    period_end: datetime | None
    trial_end: datetime | None = None
    grace_s: int = 3 * 86_400  # past_due keeps Premium this long after period_end (card retries)


@dataclass(frozen=True)
class Content:
    availability: Availability = Availability.PUBLIC
    release_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    tier: Tier = Tier.FREE


PUBLIC = Content()

_RANK = {Availability.PUBLIC: 0, Availability.PRERELEASE: 1, Availability.PREMIUM: 2}


def strictest(*contents: Content) -> Content:
    """One track can be restricted by its album, by itself and by an exclusive; the strictest applies.

    Premium beats a pre-release; of two pre-releases the later date wins (no date = not yet dated, later
    than any date), so a label never opens a track earlier than any of its settings says.
    """
    top = max(contents, key=lambda c: _RANK[c.availability], default=PUBLIC)
    if top.availability is not Availability.PRERELEASE:
        return top
    dates = [c.release_at for c in contents if c.availability is Availability.PRERELEASE]
    return Content(Availability.PRERELEASE, None if None in dates else max(d for d in dates if d is not None))


def effective_tier(sub: SubscriptionDates | None, now: datetime) -> tuple[Tier, str]:
    """A subscription gives Premium only while its dates say so; a stored state alone never does."""
    if sub is None:
        return Tier.FREE, "no_subscription"
    if sub.state is SubState.TRIALING:
        if sub.trial_end is not None and now < sub.trial_end:
            return Tier.PREMIUM, "trialing"
        return Tier.FREE, "trial_ended"
    if sub.state in (SubState.ACTIVE, SubState.CANCELED):
        # A canceled subscription runs to the end of the period already paid for.
        if sub.period_end is not None and now < sub.period_end:
            return Tier.PREMIUM, sub.state.value
        return Tier.FREE, "period_ended"
    if sub.state is SubState.PAST_DUE:
        if sub.period_end is not None and now < sub.period_end + timedelta(seconds=sub.grace_s):
            return Tier.PREMIUM, "past_due_grace"
        return Tier.FREE, "past_due"
    return Tier.FREE, "expired"


def decide(sub: SubscriptionDates | None, content: Content, now: datetime) -> Decision:
    """The one entitlement decision: (tier via subscription dates, content availability, now) -> verdict."""
    tier, _why = effective_tier(sub, now)
    if content.availability is Availability.PUBLIC:
        return Decision(True, "public", tier)
    if content.availability is Availability.PRERELEASE:
        if content.release_at is not None and now >= content.release_at:
            return Decision(True, "released", tier)
        if tier is Tier.PREMIUM:
            return Decision(True, "premium_prerelease", tier)
        return Decision(False, "premium_required_prerelease", tier)
    if tier is Tier.PREMIUM:
        return Decision(True, "premium", tier)
    return Decision(False, "premium_required", tier)


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
