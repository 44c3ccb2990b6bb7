"""Paid subscriptions through a payment provider: checkout, the customer portal and webhook events.

The customer id <-> user link is made here, by Encore, when it opens a checkout; a webhook can only move
the subscription of the user its customer id was bound to, never pick an account by what its body says.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from encore.accounts import User
from encore.billing._access import SubState, Tier, effective_tier
from encore.billing._models import BillingCustomer, HeldSubscription, ProcessedEvent, Subscription
from encore.billing._one_premium import UNWANTED, outlasts, rival, unwanted
from encore.billing._payments import apply_refund, link_payment, lock_money, record_payment
from encore.billing._provider import (
    ACCOUNT_DELETED,
    CancelRefused,
    CheckoutLink,
    PaymentProvider,
    PaymentProviderError,
    ProviderEvent,
    RefundNotMade,
    Refunds,
)
from encore.billing._provider_policy import (
    AWAITING_FIRST_PAYMENT,
    TERMINAL,
    ProviderSubscription,
    ended_for_good,
    event_applies,
    provider_state,
)
from encore.billing._stripe import StripeConfig, StripeProvider
from encore.billing._subscriptions import _dates, card_subscription_stands, check_premium_buyer, subscription_row
from encore.config import Settings
from encore.db import write_lock
from encore.kernel import Conflict, NotFound


def stripe_config(settings: Settings) -> StripeConfig | None:
    """Stripe is on only when the secret key, the webhook secret and the price are all set."""
    key, hook, price = settings.stripe_secret_key, settings.stripe_webhook_secret, settings.stripe_price_id
    if key is None or hook is None or not price:
        return None
    return StripeConfig(
        secret_key=key.get_secret_value(),
        webhook_secret=hook.get_secret_value(),
        price_id=price,
        api_base=settings.stripe_api_base,
        tolerance_s=settings.stripe_webhook_tolerance_s,
    )


def stripe_provider(settings: Settings) -> StripeProvider | None:
    config = stripe_config(settings)
    return StripeProvider(config) if config is not None else None


def _customer(session: Session, *, provider: str, user_id: int) -> BillingCustomer | None:
    return session.scalar(
        select(BillingCustomer).where(BillingCustomer.provider == provider, BillingCustomer.user_id == user_id)
    )


def _bind_customer(session: Session, *, provider: PaymentProvider, user: User, customer_id: str) -> BillingCustomer:
    """Bind the account to the customer made for it at the provider. Two checkouts opened at once (two tabs)
    each made one: the first bound wins and is returned to the other (its own customer stays unused at the
    provider, with nothing to pay), instead of failing on the unique key. On SQLite the INSERT takes the write
    lock until the request commits: call the provider before it (review19b F3: the checkout's call was made
    after it, every other writer waited for Stripe, and failed past the 10 s busy timeout)."""
    made = BillingCustomer(user_id=user.id, provider=provider.name, customer_id=customer_id)
    try:
        with session.begin_nested():
            session.add(made)
    except IntegrityError:
        bound = _customer(session, provider=provider.name, user_id=user.id)
        if bound is None:
            raise
        return bound
    return made


def start_checkout(
    session: Session,
    *,
    provider: PaymentProvider,
    user_id: int,
    success_url: str,
    cancel_url: str,
    trial_days: int,
    now: datetime,
) -> CheckoutLink:
    """A hosted checkout page for Premium; the customer is created (once) and bound to this user first."""
    user = session.get_one(User, user_id)
    check_premium_buyer(user)  # the upgrade page says so too; the API reached Stripe for one (probe18b)
    sub = subscription_row(session, user_id=user_id)
    tier, _why = effective_tier(_dates(sub), now)
    if sub is not None and card_subscription_stands(
        provider=sub.provider, state=sub.state, period_end=sub.period_end, canceled_at=sub.canceled_at, now=now
    ):
        # Premium or not: a card charged again (a renewal's event late, a card being retried past its grace)
        # would be a second subscription beside a new one, and both charged (probe20 F1)
        raise Conflict(
            "you already pay for Premium by card: change or cancel it with Settings → Manage subscription",
            code="already_subscribed",
        )
    if tier is Tier.PREMIUM:
        # Premium from an admin grant or a code: a card subscription now would bill while it runs.
        raise Conflict("you already have Premium; subscribe when it ends", code="already_premium")
    trial = trial_days if sub is None else 0  # one trial per account, as with the manual provider
    terms = {"user_ref": user.public_id, "success_url": success_url, "cancel_url": cancel_url}
    customer = _customer(session, provider=provider.name, user_id=user_id)
    if customer is not None:
        return _one_page(provider, customer_id=customer.customer_id, trial_days=trial, terms=terms)
    # A first checkout: both calls to the provider before the binding's write (see `_bind_customer`)
    made = provider.create_customer(user_ref=user.public_id, email=user.email)
    page = provider.create_checkout(customer_id=made, trial_days=trial, **terms)
    bound = _bind_customer(session, provider=provider, user=user, customer_id=made)
    if bound.customer_id != made:  # another tab bound its customer first: the page must be that customer's
        return _one_page(provider, customer_id=bound.customer_id, trial_days=trial, terms=terms)
    return page


def _one_page(provider: PaymentProvider, *, customer_id: str, trial_days: int, terms: dict[str, str]) -> CheckoutLink:
    """A page opened before (another tab) and still open is handed out again: two pages could both be paid,
    two subscriptions then charged the card (review19 F2; the second is ended, and refunded, when its webhook
    comes). Two tabs that both find none are given one new page (`after`: review21 F6), also when the other tab
    bound its customer first (it made that customer's page a moment ago)."""
    found = provider.open_checkout(customer_id=customer_id, trial_days=trial_days, **terms)
    if found.page is not None:
        return found.page
    return provider.create_checkout(customer_id=customer_id, trial_days=trial_days, after=found.newest, **terms)


def close_checkouts(session: Session, *, provider: PaymentProvider, user_public_id: str) -> list[str]:
    """Expire the account's open checkout pages once Premium was given another way (a code, a grant, a trial):
    a page opened before and paid after would charge for days already given (review21 F4; the subscription
    it starts is ended and refunded when its webhook comes, `_end_unwanted`, so this only spares the listener
    the charge). Call it after the commit: it waits for the provider. The page ids expired."""
    customer = session.scalar(
        select(BillingCustomer.customer_id)
        .join(User, User.id == BillingCustomer.user_id)
        .where(BillingCustomer.provider == provider.name, User.public_id == user_public_id)
    )
    return [] if customer is None else provider.expire_checkouts(customer_id=customer)


def portal_link(session: Session, *, provider: PaymentProvider, user_id: int, return_url: str) -> str:
    customer = _customer(session, provider=provider.name, user_id=user_id)
    if customer is None:
        raise NotFound("no billing account yet; start a checkout first", code="no_billing_account")
    return provider.portal_url(customer_id=customer.customer_id, return_url=return_url)


@dataclass(frozen=True)
class Handled:
    """What one webhook delivery did: `outcome` for the response and the log; refunds the provider refused for
    good, and whose account they concern (None: no account), for the face to record where the operator sees it.
    A duplicate delivery carries none (the first one's were recorded with it)."""

    outcome: str
    refunds_not_made: tuple[RefundNotMade, ...] = ()
    user_id: int | None = None


def handle_webhook(
    session: Session, *, provider: PaymentProvider, payload: bytes, signature: str | None, plan: str, now: datetime
) -> Handled:
    """Verify, de-duplicate and apply one delivery; returns what happened."""
    event = provider.verify_event(payload, signature)
    if _processed(session, provider=provider.name, event_id=event.id):
        # Before any call to the provider: a duplicate judged again against the row as it is now ended and refunded
        # a subscription the listener had used (review23 F1), and still answered "duplicate"
        return Handled("duplicate")
    # calls to the provider: before the money lock, which is never held across a network call
    ended = _end_orphan(session, provider=provider, event=event)
    why_ended, refunds = None, Refunds()
    if not ended:
        why_ended, refunds = _end_unwanted(session, provider=provider, event=event, now=now)
    if why_ended is not None:
        ended = [event.subscription.subscription_id] if event.subscription is not None else []
    lock_money(session)  # one delivery at a time: the same event delivered twice at once is one, then "duplicate"
    if _processed(session, provider=provider.name, event_id=event.id):
        return Handled("duplicate")
    if why_ended is not None:
        # Ended at the provider by this delivery: never applied, whatever committed since the read before the lock
        # (review19b F2: the held subscription cancelled meanwhile, the one just ended was applied, and its
        # deletion event then took the listener's paid Premium away).
        outcome = f"cancelled_{why_ended}"
    else:
        outcome = apply_event(session, provider=provider.name, event=event, plan=plan, now=now)
    if ended and outcome == "ignored_deleted_account":
        outcome = "cancelled_deleted_account"
    if outcome in UNWANTED:  # read otherwise before the lock (two events at once): refused, so it is delivered again
        raise PaymentProviderError("a subscription to end at the provider was not ended yet")
    session.add(
        ProcessedEvent(
            provider=provider.name, event_id=event.id, event_type=event.type[:100], outcome=outcome, received_at=now
        )
    )
    session.flush()
    if not refunds.not_made:
        return Handled(outcome)
    customer = _customer_of(session, provider=provider.name, customer_id=event.customer_id)
    return Handled(outcome, refunds.not_made, customer.user_id if customer is not None else None)


def _processed(session: Session, *, provider: str, event_id: str) -> bool:
    found = session.scalar(
        select(ProcessedEvent.id).where(ProcessedEvent.provider == provider, ProcessedEvent.event_id == event_id)
    )
    return found is not None


def _held_before(session: Session, *, provider: str, user_id: int, subscription_id: str) -> bool:
    """Whether the account's row has held (applied) this provider subscription."""
    found = session.scalar(
        select(HeldSubscription.id).where(
            HeldSubscription.provider == provider,
            HeldSubscription.subscription_id == subscription_id,
            HeldSubscription.user_id == user_id,
        )
    )
    return found is not None


def _remember_held(session: Session, *, provider: str, user_id: int, subscription_id: str, now: datetime) -> None:
    """Called under the account's subscription lock, the only writer of its held subscriptions."""
    if not _held_before(session, provider=provider, user_id=user_id, subscription_id=subscription_id):
        session.add(HeldSubscription(user_id=user_id, provider=provider, subscription_id=subscription_id, held_at=now))


def _end_orphan(session: Session, *, provider: PaymentProvider, event: ProviderEvent) -> list[str]:
    """End at the provider a subscription going on for a deleted account (a checkout paid after the erase job's
    last look at the provider): nobody can use it, and the card would be charged every period. The ids ended.
    CancelRefused propagates (the web face records it once per subscription; a list refused names the event's)
    and the delivery is refused unrecorded, so the provider delivers it again."""
    facts = event.subscription
    if facts is None or facts.status in TERMINAL or event.other_price:
        return []
    customer = _customer_of(session, provider=provider.name, customer_id=event.customer_id)
    if customer is None or customer.user_id is not None:
        return []
    try:
        return provider.cancel_subscriptions(customer_id=customer.customer_id)
    except CancelRefused as exc:  # for the audit log: the worst case, a card charged for an account that is gone
        exc.subscription_id, exc.why = exc.subscription_id or facts.subscription_id, ACCOUNT_DELETED
        raise


def _end_unwanted(
    session: Session, *, provider: PaymentProvider, event: ProviderEvent, now: datetime
) -> tuple[str | None, Refunds]:
    """End at the provider a live subscription Encore will not apply (`unwanted`): why (None when it is wanted),
    and its refund. Read without the lock; once ended it is never applied. PaymentProviderError propagates
    (redelivered)."""
    facts = event.subscription
    if facts is None or event.other_price:
        return None, Refunds()
    customer = _customer_of(session, provider=provider.name, customer_id=event.customer_id)
    if customer is None or customer.user_id is None:
        return None, Refunds()
    sub = subscription_row(session, user_id=customer.user_id)
    if sub is not None and _ended_for_good(sub, facts) is not None:
        return None, Refunds()  # a stale word about one Stripe already ended: nothing to end, and never applied
    held_before = _held_before(
        session, provider=provider.name, user_id=customer.user_id, subscription_id=facts.subscription_id
    )
    why = unwanted(sub, provider=provider.name, facts=facts, event_at=event.created, held_before=held_before, now=now)
    if why is None:
        return None, Refunds()
    # Ended, and its payment given back: the listener paid for Premium they had, or had twice (review21 F4,
    # review19b F5). Refused part-way for now, the delivery comes again; a refund is asked once per invoice.
    # Refused for good (a disputed charge: review21c F6), the rest of the event goes on and the refusal is told;
    # so is one that passes but outlasts its retries (review22m F7: the subscription is already cancelled here).
    try:
        provider.cancel_subscription(subscription_id=facts.subscription_id)
    except CancelRefused as exc:  # whose, and why it was to end: for the audit log (the delivery is refused)
        exc.user_id, exc.why = customer.user_id, why
        raise
    return why, provider.refund_subscription(subscription_id=facts.subscription_id, event_age=now - event.created)


def _customer_of(session: Session, *, provider: str, customer_id: str | None) -> BillingCustomer | None:
    if customer_id is None:
        return None
    return session.scalar(
        select(BillingCustomer).where(BillingCustomer.provider == provider, BillingCustomer.customer_id == customer_id)
    )


def apply_event(session: Session, *, provider: str, event: ProviderEvent, plan: str, now: datetime) -> str:
    """What a verified event changes here, and in what words (a webhook delivery, or a backfilled item)."""
    if event.link is not None:  # an invoice payment names no customer; it only links two provider ids
        return link_payment(session, provider=provider, link=event.link)
    customer = _customer_of(session, provider=provider, customer_id=event.customer_id)
    if event.refund is not None:
        # Kept whatever the order of events and whether the account still exists; a dispute names no customer.
        if event.customer_id is not None and customer is None:
            return "unknown_customer"
        return apply_refund(session, provider=provider, customer_id=event.customer_id, refund=event.refund)
    if customer is None:
        return "ignored_no_customer" if event.customer_id is None else "unknown_customer"
    if event.other_price:
        return "ignored_other_price"
    if event.payment is not None:  # money received counts even once the account is deleted (user None)
        return record_payment(
            session, provider=provider, user_id=customer.user_id, customer_id=customer.customer_id,
            payment=event.payment, now=now,
        )  # fmt: skip
    if customer.user_id is None:
        return "ignored_deleted_account"
    if event.subscription is None:
        return "ignored_type"
    return _apply_subscription(
        session, provider=provider, event=event, facts=event.subscription, user_id=customer.user_id, plan=plan, now=now
    )


def _apply_subscription(
    session: Session,
    *,
    provider: str,
    event: ProviderEvent,
    facts: ProviderSubscription,
    user_id: int,
    plan: str,
    now: datetime,
) -> str:
    change = provider_state(facts, event_at=event.created)
    if change is None:
        return "awaiting_first_payment" if facts.status == AWAITING_FIRST_PAYMENT else "unknown_status"
    # the row a code's redemption also reads and writes under this lock (review17: on PostgreSQL a code redeemed
    # while a webhook or the backfill applied could both find no row, or one overwrite the other's period end)
    write_lock(session, "subscription", user_id)
    mine = select(Subscription).where(Subscription.user_id == user_id)
    sub = session.scalar(mine.execution_options(populate_existing=True))  # as committed: `_end_unwanted` read it
    ended = _ended_for_good(sub, facts) if sub is not None else None
    if ended is not None:
        return ended  # first: whatever the row holds now (a grant, another subscription), it never comes back
    held_before = _held_before(session, provider=provider, user_id=user_id, subscription_id=facts.subscription_id)
    why = unwanted(sub, provider=provider, facts=facts, event_at=event.created, held_before=held_before, now=now)
    if why is not None:
        return why  # ended at the provider by the webhook's handler (`_end_unwanted`), not applied
    if sub is not None and sub.provider != provider and outlasts(sub, change.period_end):
        # Premium granted by an admin or a code that runs longer is not cut short by a card subscription.
        return "kept_longer_premium"
    if sub is not None and sub.provider == provider:
        why_not = event_applies(event_at=event.created, last_applied_at=sub.provider_event_at)
        if why_not is not None:
            return why_not
        other = sub.provider_subscription_id not in (None, facts.subscription_id)
        if other and sub.state != SubState.EXPIRED.value and change.state is SubState.EXPIRED:
            return "other_subscription_ended"  # an old subscription ending does not end the current one
        earlier = rival(sub, facts=facts, event_at=event.created, held_before=held_before, now=now)
        if earlier is not None:
            return earlier  # one the listener left for the one held: the row stays with the one that renews
    if sub is None:
        sub = Subscription(user_id=user_id, plan=plan, state=change.state.value, provider=provider)
        session.add(sub)
    sub.plan, sub.provider, sub.state = plan, provider, change.state.value
    sub.period_end, sub.trial_end, sub.canceled_at = change.period_end, change.trial_end, change.canceled_at
    sub.provider_customer_id, sub.provider_subscription_id = event.customer_id, facts.subscription_id
    sub.provider_event_at = event.created
    if facts.status in TERMINAL:
        sub.provider_ended_subscription_id = facts.subscription_id
    _remember_held(session, provider=provider, user_id=user_id, subscription_id=facts.subscription_id, now=now)
    session.flush()
    return f"applied_{change.state.value}"


def _ended_for_good(sub: Subscription, facts: ProviderSubscription) -> str | None:
    return ended_for_good(
        status=facts.status, subscription_id=facts.subscription_id, ended_id=sub.provider_ended_subscription_id
    )
