"""Entitlements: tiers, subscriptions, the manual provider, ad campaigns and server-enforced ad breaks.

`decide` is the one pure entitlement decision; `next_stream_decision` is what every face calls right
before it issues a music URL (it also moves the listener's ad clock).
"""

from encore.entitlements._ads import (
    AdBreakView,
    StreamDecision,
    complete_ad_break,
    next_stream_decision,
    start_ad_break,
)
from encore.entitlements._campaigns import CampaignView, create_campaign
from encore.entitlements._exclusives import ExclusiveView, create_exclusive, list_exclusives, open_exclusive
from encore.entitlements._models import AdBreak, AdCampaign, AdClockRow, Exclusive, RedeemCode, Subscription
from encore.entitlements._policy import (
    PUBLIC,
    AdClock,
    Availability,
    CampaignCandidate,
    Content,
    Decision,
    SubscriptionDates,
    SubState,
    Tier,
    ad_due,
    ad_played_through,
    campaign_eligible,
    decide,
    effective_tier,
    pick_campaign,
    strictest,
)
from encore.entitlements._subscriptions import (
    SubscriptionView,
    check_access,
    create_codes,
    grant_premium,
    redeem_code,
    revoke_premium,
    start_trial,
    subscription_view,
    tier_of,
)

__all__ = [
    "PUBLIC",
    "AdBreak",
    "AdBreakView",
    "AdCampaign",
    "AdClock",
    "AdClockRow",
    "Availability",
    "CampaignCandidate",
    "CampaignView",
    "Content",
    "Decision",
    "Exclusive",
    "ExclusiveView",
    "RedeemCode",
    "StreamDecision",
    "SubState",
    "Subscription",
    "SubscriptionDates",
    "SubscriptionView",
    "Tier",
    "ad_due",
    "ad_played_through",
    "campaign_eligible",
    "check_access",
    "complete_ad_break",
    "create_campaign",
    "create_codes",
    "create_exclusive",
    "decide",
    "effective_tier",
    "grant_premium",
    "list_exclusives",
    "next_stream_decision",
    "open_exclusive",
    "pick_campaign",
    "redeem_code",
    "revoke_premium",
    "start_ad_break",
    "start_trial",
    "strictest",
    "subscription_view",
    "tier_of",
]
