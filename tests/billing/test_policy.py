"""The pure decisions: tiers from dates, content availability, ad pacing, campaign choice."""

from datetime import UTC, datetime, timedelta

import pytest

from encore.ads import AdClock, CampaignCandidate, ad_due, ad_played_through, campaign_eligible, pick_campaign
from encore.billing import PUBLIC, Availability, Content, SubscriptionDates, SubState, Tier, decide, effective_tier

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("sub", "tier", "reason"),
    [
        (None, Tier.FREE, "no_subscription"),
        (SubscriptionDates(SubState.ACTIVE, NOW + DAY), Tier.PREMIUM, "active"),
        (SubscriptionDates(SubState.ACTIVE, NOW - DAY), Tier.FREE, "period_ended"),
        (SubscriptionDates(SubState.CANCELED, NOW + DAY), Tier.PREMIUM, "canceled"),
        (SubscriptionDates(SubState.CANCELED, NOW - DAY), Tier.FREE, "period_ended"),
        (SubscriptionDates(SubState.TRIALING, None, NOW + DAY), Tier.PREMIUM, "trialing"),
        (SubscriptionDates(SubState.TRIALING, None, NOW - DAY), Tier.FREE, "trial_ended"),
        (SubscriptionDates(SubState.PAST_DUE, NOW - DAY), Tier.PREMIUM, "past_due_grace"),
        (SubscriptionDates(SubState.PAST_DUE, NOW - 4 * DAY), Tier.FREE, "past_due"),
        (SubscriptionDates(SubState.EXPIRED, NOW + DAY), Tier.FREE, "expired"),
    ],
    ids=lambda v: getattr(v, "state", v) if v is not None else "none",
)
def test_tier_follows_dates_not_state(sub: SubscriptionDates | None, tier: Tier, reason: str) -> None:
    assert effective_tier(sub, NOW) == (tier, reason)


def test_decide_content_availability() -> None:
    premium = SubscriptionDates(SubState.ACTIVE, NOW + DAY)
    locked = Content(Availability.PREMIUM)
    pre = Content(Availability.PRERELEASE, release_at=NOW + DAY)
    assert decide(None, PUBLIC, NOW).allowed
    assert decide(None, locked, NOW).reason == "premium_required"
    assert decide(premium, locked, NOW).allowed
    assert decide(None, pre, NOW).reason == "premium_required_prerelease"
    assert decide(premium, pre, NOW).reason == "premium_prerelease"
    assert decide(None, pre, NOW + DAY).reason == "released"


def test_ad_due_and_played_through() -> None:
    assert ad_due(tier=Tier.FREE, clock=AdClock(1_799_999), interval_s=1800).allowed
    assert ad_due(tier=Tier.FREE, clock=AdClock(1_800_000), interval_s=1800).reason == "ad_break_due"
    assert ad_due(tier=Tier.PREMIUM, clock=AdClock(10**9), interval_s=1800).reason == "premium_no_ads"
    assert not ad_played_through(issued_at=NOW, duration_ms=15_000, reported_at=NOW + timedelta(seconds=5))
    assert ad_played_through(issued_at=NOW, duration_ms=15_000, reported_at=NOW + timedelta(seconds=15))


def _cand(i: int, **kw: object) -> CampaignCandidate:
    base: dict[str, object] = {
        "id": i,
        "starts_at": NOW - DAY,
        "ends_at": NOW + DAY,
        "budget": 100,
        "impressions": 0,
        "genres": frozenset(),
        "hour_from": None,
        "hour_to": None,
        "freq_cap_per_day": 3,
        "user_impressions_today": 0,
        "last_served_to_user": None,
    }
    base.update(kw)
    return CampaignCandidate(**base)  # type: ignore[arg-type]


def test_campaign_rules() -> None:
    g = frozenset({"jazz"})
    assert campaign_eligible(_cand(1, ends_at=NOW), now=NOW, genres=g) == "outside_dates"
    assert campaign_eligible(_cand(1, impressions=100), now=NOW, genres=g) == "budget_spent"
    assert campaign_eligible(_cand(1, user_impressions_today=3), now=NOW, genres=g) == "frequency_cap"
    assert campaign_eligible(_cand(1, genres=frozenset({"rock"})), now=NOW, genres=g) == "genre_mismatch"
    assert campaign_eligible(_cand(1, hour_from=13, hour_to=18), now=NOW, genres=g) == "outside_hours"
    assert campaign_eligible(_cand(1, hour_from=22, hour_to=13), now=NOW, genres=g) is None
    assert campaign_eligible(_cand(1, genres=frozenset({"jazz"})), now=NOW, genres=g) is None


def test_rotation_prefers_the_campaign_heard_least_recently() -> None:
    a = _cand(1, last_served_to_user=NOW - timedelta(minutes=5))
    b = _cand(2, last_served_to_user=NOW - timedelta(hours=2))
    c = _cand(3, impressions=100)  # spent
    picked = pick_campaign([a, b, c], now=NOW, genres=frozenset())
    assert picked is not None and picked.id == 2
    assert pick_campaign([c], now=NOW, genres=frozenset()) is None
