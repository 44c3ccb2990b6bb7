"""Pure decisions for a payment provider's events: which state, whether to apply at all, and what a refused
refund means.

The provider tells us its own status words; this maps them onto Encore's five states and refuses anything
that would roll a subscription back to an older picture of itself.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from encore.billing._access import SubState


@dataclass(frozen=True)
class ProviderSubscription:
    """What a provider event says about one subscription (already parsed, no provider types)."""

    subscription_id: str
    status: str  # the provider's word: trialing, active, past_due, unpaid, canceled, incomplete, ...
    period_end: datetime | None
    trial_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class ProviderPayment:
    """A paid invoice: money the provider received for one period of the subscription."""

    reference: str  # the invoice id
    subscription_id: str | None
    amount_cents: int  # what the plan's lines brought in, net of tax and discounts (a trial's invoice: 0)
    currency: str  # upper case, ISO 4217
    period_start: datetime | None  # the service period the plan's lines cover
    period_end: datetime | None
    paid_by: str | None = None  # the charge or payment intent, when the invoice names it (API before 2025-03-31)
    # What the whole invoice was paid (tax and other products' lines included): a refund of the charge is
    # of that, so only its share `amount_cents / invoice_paid_cents` comes off this payment.
    invoice_paid_cents: int | None = None


@dataclass(frozen=True)
class ProviderPaymentLink:
    """An invoice paid by a charge or payment intent (Stripe's `invoice_payment.paid`)."""

    invoice_id: str
    paid_by: str


@dataclass(frozen=True)
class ProviderRefund:
    """A charge refunded (in part or whole), or a dispute of it lost; `refunded_cents` is the charge's running
    total (or the dispute's amount), not this one refund."""

    charge_id: str
    invoice_id: str | None  # absent since Stripe's API version 2025-03-31, and on disputes
    payment_intent: str | None
    refunded_cents: int
    key: str | None = None  # what the running total belongs to when it is not the charge (a dispute's id)


@dataclass(frozen=True)
class StateChange:
    state: SubState
    period_end: datetime | None
    trial_end: datetime | None
    canceled_at: datetime | None


# Stripe's statuses that give no Premium. `incomplete` (the first payment is not made yet) is not among
# them: it changes nothing, because Stripe stamps `created` in whole seconds and a subscription's
# `incomplete` event often shares its second with the `active` one and arrives after it.
_ENDED = frozenset({"canceled", "unpaid", "incomplete_expired", "paused"})
AWAITING_FIRST_PAYMENT = "incomplete"


def provider_state(sub: ProviderSubscription, *, event_at: datetime) -> StateChange | None:
    """Map a provider status onto Encore's states; None for a status that changes nothing (awaiting the
    first payment) or that this version does not know."""
    # A trial or a card being retried that the listener cancelled stays as it is until its end (Stripe keeps
    # the status), but it renews no more: the cancellation is kept (review17: deleting the account was refused
    # for a subscription "that would renew" though the listener had cancelled it).
    cancelled = (sub.canceled_at or event_at) if sub.cancel_at_period_end else None
    if sub.status == "trialing":
        return StateChange(SubState.TRIALING, sub.period_end, sub.trial_end, cancelled)
    if sub.status == "active":
        if sub.cancel_at_period_end:
            # Canceled by the listener: Premium runs to the end of the period already paid for.
            return StateChange(SubState.CANCELED, sub.period_end, None, sub.canceled_at or event_at)
        return StateChange(SubState.ACTIVE, sub.period_end, None, None)
    if sub.status == "past_due":
        return StateChange(SubState.PAST_DUE, sub.period_end, None, cancelled)
    if sub.status in _ENDED:
        end = sub.ended_at or event_at
        return StateChange(SubState.EXPIRED, end, None, sub.canceled_at or end)
    return None


def event_applies(*, event_at: datetime, last_applied_at: datetime | None) -> str | None:
    """None when an event may be applied; otherwise why not. Providers deliver out of order and retry."""
    if last_applied_at is not None and event_at < last_applied_at:
        return "older_than_applied"
    return None


# Statuses a provider subscription never leaves: Stripe ends one for good (deleted) as `canceled`, and one whose
# first payment never came as `incomplete_expired`. `unpaid` and `paused` are not among them: paid or resumed,
# the same subscription is active again.
TERMINAL = frozenset({"canceled", "incomplete_expired"})


def ended_for_good(*, status: str, subscription_id: str, ended_id: str | None) -> str | None:
    """`subscription_ended` when an event would bring back to life the subscription the provider ended for good
    (`ended_id`, applied as ended), else None (pure). Event times cannot say it: Stripe stamps them in whole
    seconds and does not order deliveries, so an `updated: active` of the deletion's second came after it and
    gave a month of Premium nobody paid for (probe20 F7). Another, new subscription id may be live."""
    if subscription_id == ended_id and status not in TERMINAL:
        return "subscription_ended"
    return None


def payment_counts(p: ProviderPayment) -> str | None:
    """None when a paid invoice is money a statement should count; otherwise why not."""
    if p.period_start is None or p.period_end is None or p.period_end <= p.period_start:
        return "ignored_payment_without_period"  # no line of the plan's (with a period) on it
    if p.amount_cents <= 0:
        return "ignored_nothing_paid"  # a trial, a 100 % coupon: no money came in
    return None


def refund_share(refunded_cents: int, *, amount_cents: int, invoice_paid_cents: int | None) -> int:
    """A payment's part of what was refunded on its invoice: refunds are of the whole amount paid (tax and
    other products' lines included), so the payment loses the same fraction of itself, rounded half up; never
    below nothing nor above the payment. An invoice paid exactly the payment (or not known) loses the refund."""
    refunded = max(refunded_cents, 0)
    if invoice_paid_cents is not None and invoice_paid_cents > amount_cents:
        refunded = (2 * refunded * amount_cents + invoice_paid_cents) // (2 * invoice_paid_cents)
    return min(refunded, amount_cents)


def kept_after_refund(*, amount_cents: int, refunded_cents: int) -> int:
    """What is left of a payment once refunds are taken off (never below nothing, never above what was paid)."""
    return amount_cents - min(max(refunded_cents, 0), amount_cents)


class RefundVerdict(Enum):
    REFUNDED = "refunded"  # the money is back already (refunded by hand in Stripe's dashboard): nothing to do
    NOT_MADE = "not_made"  # lasting: asking again gets the same answer; recorded for the operator, event answered
    RETRY = "retry"  # transient: the event is refused (5xx), so Stripe delivers it again and it is asked again


@dataclass(frozen=True)
class RefundAnswer:
    verdict: RefundVerdict
    reason: str  # the provider's code, or what stood for one (`http_503`, `unreachable`)


# Refusals that pass: a lock, a rate limit, a key in flight, a balance that money coming in will fill, a limit
# on the rolling window. Stripe's own words for the last two are "try again later".
_REFUND_LATER = frozenset(
    {"lock_timeout", "rate_limit", "idempotency_key_in_use", "balance_insufficient", "charge_exceeds_source_limit"}
)


# How long a refusal that passes is asked again, counted from the event's `created`: Stripe redelivers a refused
# event for about three days, and the subscription was cancelled before the refund was asked; past this the
# refusal is told (NOT_MADE) while Stripe still delivers, so the operator learns the listener is owed (review22m F7).
REFUND_RETRIED_FOR = timedelta(hours=48)
STILL_REFUSED = " (still refused after retries)"


def refund_refusal(*, status: int | None, code: str | None, event_age: timedelta = timedelta(0)) -> RefundAnswer:
    """What Stripe's refusal of a refund (HTTP `status`, None when it was not reached; error `code`) means (pure).

    - `charge_already_refunded`: REFUNDED.
    - RETRY for what passes: no answer, 5xx, 429, 409 (a key in flight), 401/403 (the operator's key or its
      rights, which the operator mends; the retries then succeed), and the codes of `_REFUND_LATER`.
    - NOT_MADE for any other 4xx: the request as sent is refused for good, and retrying it for Stripe's three days
      of redeliveries would also hold back the rest of the event (the subscription ended, the event recorded).
      `charge_disputed` (the charge was charged back) and `refund_disputed_payment` are the ones expected: the
      dispute, not Encore, decides whether the money goes back, and a lost dispute comes as its own event that
      takes the money out of the royalty pool. A code this version does not know is lasting too, named.
    - A refusal that passes, for an event older than `REFUND_RETRIED_FOR` (`event_age`): NOT_MADE, its reason
      marked `STILL_REFUSED`; it has outlasted the retries meant for it.
    """
    reason = code or ("unreachable" if status is None else f"http_{status}")
    if code == "charge_already_refunded":
        return RefundAnswer(RefundVerdict.REFUNDED, reason)
    if status is None or status >= 500 or status in (401, 403, 409, 429) or code in _REFUND_LATER:
        if event_age >= REFUND_RETRIED_FOR:
            return RefundAnswer(RefundVerdict.NOT_MADE, reason + STILL_REFUSED)
        return RefundAnswer(RefundVerdict.RETRY, reason)
    return RefundAnswer(RefundVerdict.NOT_MADE, reason)
