"""Billing: tiers decided from subscription dates (`decide`, the one pure access decision), the manual
provider (admin grants and revokes, one-use codes) and card payments through a provider (Stripe)."""

from encore.billing._access import (
    PUBLIC,
    Availability,
    Content,
    Decision,
    SubscriptionDates,
    SubState,
    Tier,
    decide,
    effective_tier,
    strictest,
)
from encore.billing._checkout import handle_webhook, portal_link, start_checkout, stripe_config, stripe_provider
from encore.billing._models import BillingCustomer, ProcessedEvent, RedeemCode, Subscription
from encore.billing._provider import BadWebhook, CheckoutLink, PaymentProvider, PaymentProviderError, ProviderEvent
from encore.billing._provider_policy import ProviderSubscription, StateChange, event_applies, provider_state
from encore.billing._stripe import StripeConfig, StripeProvider, parse_event
from encore.billing._subscriptions import (
    SubscriptionView,
    check_access,
    create_codes,
    demo_code,
    grant_premium,
    redeem_code,
    revoke_premium,
    start_trial,
    subscription_history,
    subscription_view,
    tier_of,
)

__all__ = [
    "PUBLIC",
    "Availability",
    "BadWebhook",
    "BillingCustomer",
    "CheckoutLink",
    "Content",
    "Decision",
    "PaymentProvider",
    "PaymentProviderError",
    "ProcessedEvent",
    "ProviderEvent",
    "ProviderSubscription",
    "RedeemCode",
    "StateChange",
    "StripeConfig",
    "StripeProvider",
    "SubState",
    "Subscription",
    "SubscriptionDates",
    "SubscriptionView",
    "Tier",
    "check_access",
    "create_codes",
    "decide",
    "demo_code",
    "effective_tier",
    "event_applies",
    "grant_premium",
    "handle_webhook",
    "parse_event",
    "portal_link",
    "provider_state",
    "redeem_code",
    "revoke_premium",
    "start_checkout",
    "start_trial",
    "strictest",
    "stripe_config",
    "stripe_provider",
    "subscription_history",
    "subscription_view",
    "tier_of",
]
