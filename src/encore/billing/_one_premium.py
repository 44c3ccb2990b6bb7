"""One Premium at a time: which live card subscription is ended at the provider rather than applied, and which
one the row leaves alone (pure: the row, the event's facts, and whether the row held it before)."""

from datetime import datetime

from encore.billing._access import SubState
from encore.billing._models import Subscription
from encore.billing._provider_policy import ProviderSubscription, provider_state

LIVE = frozenset({"trialing", "active", "past_due"})  # provider statuses that charge the card, or will
_RENEWS = frozenset({SubState.TRIALING.value, SubState.ACTIVE.value, SubState.PAST_DUE.value})
UNWANTED = frozenset({"second_subscription", "under_longer_premium"})


def unwanted(
    sub: Subscription | None,
    *,
    provider: str,
    facts: ProviderSubscription,
    event_at: datetime,
    held_before: bool,
    now: datetime,
) -> str | None:
    """Why a live provider subscription is to be ended at the provider rather than applied, or None (pure).

    One Premium at a time, the one Encore holds first kept:
    - `second_subscription`: the account's card subscription that Encore holds still renews, and this is
      another (two checkout pages open at once, both paid: review19 F2). Applied, it replaced the one held,
      and both charged the card every period;
    - `under_longer_premium`: Premium from a grant or a code runs past this one's period (a checkout page opened
      before, paid after): it would charge for days already given, and renew unseen by the deletion guard.
    One held that renews no more (cancelled to its period's end, or over) gives way to a new one. A newcomer
    cancelled to its period's end is ended too: applied, it would replace the renewing one in the row. One
    already ended (or not yet paid for) is never asked to end, nor one the row held before (`rival`)."""
    if sub is None or facts.status not in LIVE:
        return None
    if sub.provider == provider:
        why = rival(sub, facts=facts, event_at=event_at, held_before=held_before, now=now)
        return why if why in UNWANTED else None
    change = provider_state(facts, event_at=event_at)
    if change is not None and outlasts(sub, change.period_end):
        return "under_longer_premium"
    return None


def rival(
    sub: Subscription, *, facts: ProviderSubscription, event_at: datetime, held_before: bool, now: datetime
) -> str | None:
    """What a live subscription of the provider the row holds is, beside the one held, while that one renews
    (pure); None when it is the one held, or the one held renews no more (the new one takes over).

    - `earlier_subscription`: the row held it before, and the event is a stale word about it (no newer than
      the last event applied) or says it runs out at its period's end. The listener cancelled it and bought
      the one held now; an old event of it, delivered again or late (Stripe does not order deliveries), was
      taken for a second subscription, ended at once and its payment, for days the listener had, refunded
      (review23 F1). Neither applied nor ended.
    - `second_subscription`: any other (two checkout pages both paid, whichever came second: review19 F2; one
      held before that renews again with a newer event, revived by paying an old invoice: review21c F1)."""
    held = sub.provider_subscription_id
    renews = sub.state in _RENEWS and sub.canceled_at is None and (sub.period_end is None or sub.period_end > now)
    if facts.status not in LIVE or not renews or held in (None, facts.subscription_id):
        return None
    stale = sub.provider_event_at is not None and event_at <= sub.provider_event_at
    if held_before and (stale or facts.cancel_at_period_end):
        return "earlier_subscription"
    return "second_subscription"


def outlasts(sub: Subscription, period_end: datetime | None) -> bool:
    if sub.state == SubState.EXPIRED.value or sub.period_end is None:
        return False
    return period_end is None or sub.period_end > period_end
