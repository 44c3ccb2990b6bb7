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
from encore.entitlements._billing import handle_webhook, portal_link, start_checkout, stripe_config, stripe_provider
from encore.entitlements._billing_policy import ProviderSubscription, StateChange, event_applies, provider_state
from encore.entitlements._campaigns import CampaignView, create_campaign
from encore.entitlements._clockbook import AdClockBook, ClockState
from encore.entitlements._exclusives import ExclusiveView, create_exclusive, list_exclusives, open_exclusive
from encore.entitlements._models import (
    AdBreak,
    AdCampaign,
    AdClockRow,
    BillingCustomer,
    Exclusive,
    ProcessedEvent,
    RedeemCode,
    Subscription,
)
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
)
from encore.entitlements._provider import (
    BadWebhook,
    CheckoutLink,
    PaymentProvider,
    PaymentProviderError,
    ProviderEvent,
)
from encore.entitlements._stripe import StripeConfig, StripeProvider, parse_event
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
    "AdClockBook",
    "AdClockRow",
    "Availability",
    "BadWebhook",
    "BillingCustomer",
    "CampaignCandidate",
    "CampaignView",
    "CheckoutLink",
    "ClockState",
    "Content",
    "Decision",
    "Exclusive",
    "ExclusiveView",
    "PaymentProvider",
    "PaymentProviderError",
    "ProcessedEvent",
    "ProviderEvent",
    "ProviderSubscription",
    "RedeemCode",
    "StateChange",
    "StreamDecision",
    "StripeConfig",
    "StripeProvider",
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
    "event_applies",
    "grant_premium",
    "handle_webhook",
    "list_exclusives",
    "next_stream_decision",
    "open_exclusive",
    "parse_event",
    "pick_campaign",
    "portal_link",
    "provider_state",
    "redeem_code",
    "revoke_premium",
    "start_ad_break",
    "start_checkout",
    "start_trial",
    "stripe_config",
    "stripe_provider",
    "subscription_view",
    "tier_of",
]
