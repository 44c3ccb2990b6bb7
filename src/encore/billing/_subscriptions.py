"""Subscriptions and the built-in manual provider: admin grants and revokes, redeemable codes."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from encore.accounts import User
from encore.billing._access import (
    PUBLIC,
    Content,
    Decision,
    SubscriptionDates,
    SubState,
    Tier,
    decide,
    effective_tier,
)
from encore.billing._models import BillingCustomer, Payment, RedeemCode, Subscription
from encore.db import write_lock
from encore.kernel import Conflict, NotFound, ValidationFailed, new_secret_token


@dataclass(frozen=True)
class SubscriptionView:
    tier: Tier
    reason: str
    plan: str | None
    state: str | None
    provider: str | None
    trial_end: datetime | None
    period_end: datetime | None
    canceled_at: datetime | None


def _dates(sub: Subscription | None) -> SubscriptionDates | None:
    if sub is None:
        return None
    return SubscriptionDates(state=SubState(sub.state), period_end=sub.period_end, trial_end=sub.trial_end)


def subscription_row(session: Session, *, user_id: int) -> Subscription | None:
    return session.scalar(select(Subscription).where(Subscription.user_id == user_id))


def subscription_view(session: Session, *, user_id: int, now: datetime) -> SubscriptionView:
    return _view(subscription_row(session, user_id=user_id), now)


def subscription_views(session: Session, *, user_ids: list[int], now: datetime) -> dict[int, SubscriptionView]:
    """`subscription_view` of many accounts in one statement (the admin's list of up to 50: it was one a row)."""
    subs = {s.user_id: s for s in session.scalars(select(Subscription).where(Subscription.user_id.in_(user_ids)))}
    return {user_id: _view(subs.get(user_id), now) for user_id in user_ids}


def _view(sub: Subscription | None, now: datetime) -> SubscriptionView:
    tier, reason = effective_tier(_dates(sub), now)
    if sub is None:
        return SubscriptionView(tier, reason, None, None, None, None, None, None)
    return SubscriptionView(
        tier, reason, sub.plan, sub.state, sub.provider, sub.trial_end, sub.period_end, sub.canceled_at
    )


def tier_of(session: Session, *, user_id: int, now: datetime) -> Tier:
    return effective_tier(_dates(subscription_row(session, user_id=user_id)), now)[0]


def check_access(session: Session, *, user_id: int, content: Content = PUBLIC, now: datetime) -> Decision:
    """Load the user's subscription and ask the one pure decision."""
    return decide(subscription_dates(session, user_id=user_id), content, now)


def subscription_dates(session: Session, *, user_id: int) -> SubscriptionDates | None:
    """What `decide` needs of the user's subscription (three columns, no ORM object: discovery asks for every
    listener of its daily run): read once to decide for many contents."""
    row = session.execute(
        select(Subscription.state, Subscription.period_end, Subscription.trial_end).where(
            Subscription.user_id == user_id
        )
    ).first()
    if row is None:
        return None
    return SubscriptionDates(state=SubState(row.state), period_end=row.period_end, trial_end=row.trial_end)


def _user(session: Session, public_id: str) -> User:
    user = session.scalar(select(User).where(User.public_id == public_id))
    if user is None:
        raise NotFound("no such user")
    return user


_BUYER_SAID = {
    "label_account": "a label account is for your label's work and needs no Premium: subscribe from a listener's"
    " account",
    "account_disabled": "this account is disabled",
}
_GRANT_SAID = {
    "label_account": "a label account is for its label's work and needs no Premium: grant it to the listener's"
    " own account",
    "account_disabled": "this account is disabled: enable it first (Premium granted now would run out unused)",
}


def premium_refusal(*, label_account: bool, active: bool) -> str | None:
    """Why an account may not be given Premium, or None: Premium is a listener's (pure)."""
    if label_account:
        return "label_account"
    if not active:
        return "account_disabled"
    return None


def check_premium_buyer(user: User, *, by_operator: bool = False) -> None:
    """Premium is a listener's: a label account is refused checkout, a code, a demo code, a trial and an admin's
    grant, for one reason (probe18b; probe19 N1: a code spent on an account that has no use for it; probe20 N1:
    the grant was the one way round it). A disabled account is refused too (only an admin can reach it)."""
    why = premium_refusal(label_account=user.label_id is not None, active=user.is_active)
    if why is not None:
        raise Conflict((_GRANT_SAID if by_operator else _BUYER_SAID)[why], code=why)


CARD_PROVIDERS = frozenset({"stripe"})  # a subscription there renews by itself and moves by its webhooks


def card_subscription_stands(
    *, provider: str, state: str, period_end: datetime | None, canceled_at: datetime | None, now: datetime
) -> bool:
    """Whether the row is a card subscription that has not ended: it renews (or retries the card), or a
    cancellation the listener can still undo in the portal runs to its period's end (pure). One whose card is
    charged again stands even past its period's end: the renewal's event is late, or the card is being retried
    (probe20 F1), and that event will write the row."""
    if card_charges_again(provider=provider, state=state, canceled_at=canceled_at, period_end=period_end, now=now):
        return True
    if provider not in CARD_PROVIDERS or state == SubState.EXPIRED.value:
        return False
    return period_end is None or period_end > now


# A card subscription in these states is charged again (it renews, or the card is retried) unless cancelled first
_CHARGES_AGAIN = frozenset({SubState.TRIALING.value, SubState.ACTIVE.value, SubState.PAST_DUE.value})


# Stripe retries a card for at most two months (its longest retry schedule); a renewal's events come within
# minutes. A row still renewing this long past its period's end is one whose events were lost (webhooks off,
# Stripe unconfigured): Encore no longer holds the listener to it (`encore billing backfill` asks Stripe).
SILENT_AFTER = timedelta(days=62)


def card_charges_again(
    *, provider: str | None, state: str | None, canceled_at: datetime | None, period_end: datetime | None, now: datetime
) -> bool:
    """Whether the card will be charged again unless the subscription is cancelled (pure): it renews, or a card
    being retried still owes its open invoice. One cancelled to its period's end (`canceled`) and a cancelled
    trial charge nothing more (review17; review20 F1), nor one Stripe has been silent about for SILENT_AFTER past
    its period's end (review20b F2: it refused codes, grants and checkout for ever). The deletion guard, the
    disable warning and `card_subscription_stands` ask this."""
    if provider not in CARD_PROVIDERS or state not in _CHARGES_AGAIN:
        return False
    if period_end is not None and now > period_end + SILENT_AFTER:
        return False
    return not (state == SubState.TRIALING.value and canceled_at is not None)


def card_next_charge(session: Session, *, user_id: int, now: datetime) -> datetime | None:
    """When the account's card is next charged (its period's end; the far future when unknown), or None when
    it will not be (`card_charges_again`)."""
    sub = subscription_row(session, user_id=user_id)
    if sub is None or not card_charges_again(
        provider=sub.provider, state=sub.state, canceled_at=sub.canceled_at, period_end=sub.period_end, now=now
    ):
        return None
    return sub.period_end or datetime.max.replace(tzinfo=now.tzinfo)


_CARD_SAID = {
    "code": "you pay for Premium by card: redeem this code once your card subscription has ended (the code stays"
    " unused; end the subscription in Manage subscription)",
    "manual": "this account pays for Premium by card, and its next renewal would replace a grant: grant it once"
    " the card subscription has ended (or refund the listener at the card processor)",
    "revoke": "this account pays for Premium by card, and Stripe, not Encore, ends that subscription (revoked"
    " here, the card would go on charging and its next renewal give Premium back): cancel it in Stripe's"
    " dashboard (at once to end Premium now, refunding there what is owed), or ask the listener to use"
    " Settings → Manage subscription; Premium ends when Stripe says the subscription has ended",
}


def _locked_row(session: Session, *, user_id: int, change: str, now: datetime) -> Subscription | None:
    """The account's subscription row, read under its lock, once it is known that Encore may change it by hand
    (`change`: days added by a code or a grant, or Premium revoked): refused while a card subscription stands."""
    # One extension at a time: two codes redeemed at once each read the same end and wrote it plus their own
    # days (a month lost, both codes used), or each found no row and all but one failed on its key.
    write_lock(session, "subscription", user_id)
    mine = select(Subscription).where(Subscription.user_id == user_id)
    sub = session.scalar(mine.execution_options(populate_existing=True))  # as committed, not as loaded before
    if sub is not None and card_subscription_stands(
        provider=sub.provider, state=sub.state, period_end=sub.period_end, canceled_at=sub.canceled_at, now=now
    ):
        # The card's renewal overwrites the period end with the one it paid for (probe19 F4: a code's month was
        # lost at the next renewal), and a row no longer saying "stripe" hid a renewing card from the deletion
        # guard; a revoke written over it let the card charge on, a second checkout in, and the next renewal give
        # Premium back (probe20 F1). Refused before a code is claimed: it stays unused.
        raise Conflict(_CARD_SAID[change], code="card_subscription")
    return sub


def _extend(
    session: Session, sub: Subscription | None, *, user_id: int, plan: str, days: int, provider: str, now: datetime
) -> Subscription:
    """Add `days` to the row `_locked_row` returned (from its end, or from now once it has ended)."""
    if sub is None:
        sub = Subscription(user_id=user_id, plan=plan, state=SubState.ACTIVE.value, provider=provider)
        session.add(sub)
    start = sub.period_end if sub.period_end is not None and sub.period_end > now else now
    sub.plan, sub.provider, sub.state = plan, provider, SubState.ACTIVE.value
    sub.period_end = start + timedelta(days=days)
    sub.canceled_at = None
    session.flush()
    return sub


def _check_days(days: int) -> None:
    if not 1 <= days <= 3660:
        raise ValidationFailed("days must be between 1 and 3660", code="bad_days")


def grant_premium(session: Session, *, user_public_id: str, plan: str, days: int, now: datetime) -> SubscriptionView:
    """An admin's days of Premium, held to the rule every other way in is (`check_premium_buyer`: a listener's,
    probe20 N1) and refused while a card subscription stands."""
    user = _user(session, user_public_id)
    check_premium_buyer(user, by_operator=True)
    _check_days(days)
    sub = _locked_row(session, user_id=user.id, change="manual", now=now)
    _extend(session, sub, user_id=user.id, plan=plan, days=days, provider="manual", now=now)
    return subscription_view(session, user_id=user.id, now=now)


def revoke_premium(session: Session, *, user_public_id: str, now: datetime) -> SubscriptionView:
    """Ends Premium at once (refunds are the operator's business). Refused while a card subscription stands
    (`card_subscription`): that is Stripe's to end, and its events would undo the revoke (probe20 F1)."""
    user = _user(session, user_public_id)
    sub = _locked_row(session, user_id=user.id, change="revoke", now=now)
    if sub is not None:
        sub.state = SubState.EXPIRED.value
        sub.period_end = now
        sub.trial_end = None
        sub.canceled_at = now
        session.flush()
    return subscription_view(session, user_id=user.id, now=now)


def start_trial(session: Session, *, user_id: int, plan: str, days: int, now: datetime) -> SubscriptionView:
    """One trial per account, ever."""
    if days <= 0:
        raise ValidationFailed("trials are switched off", code="no_trial")
    if subscription_row(session, user_id=user_id) is not None:
        raise ValidationFailed("this account already had a trial or a subscription", code="trial_used")
    session.add(
        Subscription(
            user_id=user_id,
            plan=plan,
            state=SubState.TRIALING.value,
            provider="manual",
            trial_end=now + timedelta(days=days),
        )
    )
    session.flush()
    return subscription_view(session, user_id=user_id, now=now)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _new_code() -> str:
    return new_secret_token(12).upper().replace("-", "X").replace("_", "Y")[:16]


def create_codes(
    session: Session, *, admin_id: int | None, plan: str, days: int, count: int, now: datetime
) -> list[str]:
    """One-use codes; `admin_id` None for the demo server's own (a listener asks for one on the upgrade page)."""
    if not 1 <= count <= 1000:
        raise ValidationFailed("count must be between 1 and 1000", code="bad_count")
    if not 1 <= days <= 3660:
        raise ValidationFailed("days must be between 1 and 3660", code="bad_days")
    codes = [_new_code() for _ in range(count)]
    session.add_all(RedeemCode(code_hash=_hash(c), plan=plan, days=days, created_by=admin_id) for c in codes)
    session.flush()
    return codes


def demo_code(session: Session, *, user_id: int, plan: str, days: int, now: datetime) -> str:
    """A demo server's one code per account, recorded as made by that account (admins' codes name the admin,
    and an admin can make codes anyway). Asked for at once, each request read that the account had none yet.

    Only the code's hash is kept, so one shown and lost (a reload before Redeem) cannot be shown again: while it
    is unused, asking again gives a new code in its place and the old one stops working (probe24b F2). Once
    redeemed, by anyone, the account has had its code."""
    write_lock(session, "demo_codes", user_id)
    mine = session.scalar(select(RedeemCode.id).where(RedeemCode.created_by == user_id).limit(1))
    if mine is None:
        return create_codes(session, admin_id=user_id, plan=plan, days=days, count=1, now=now)[0]
    code = _new_code()
    replaced = session.execute(  # a redeem at this moment claims the old hash first, or finds it gone
        update(RedeemCode)
        .where(RedeemCode.id == mine, RedeemCode.redeemed_by.is_(None))
        .values(code_hash=_hash(code), plan=plan, days=days),
        execution_options={"synchronize_session": False},
    )
    if not replaced.rowcount:  # type: ignore[attr-defined]
        raise Conflict("this account's demo code was already redeemed", code="demo_code_taken")
    return code


def redeem_code(session: Session, *, user_id: int, code: str, now: datetime) -> SubscriptionView:
    """A code works once; a used or unknown code answers the same (nothing to learn by guessing).

    The code is claimed by one conditional UPDATE: on SQLite a read is outside any transaction and FOR UPDATE
    locks nothing, so accounts sending one code at the same moment each read it unused (probe16: five got
    Premium from one code). Only the UPDATE that finds it still unused claims it. Refused, unclaimed, while the
    account's card subscription stands (`card_subscription_stands`)."""
    sub = _locked_row(session, user_id=user_id, change="code", now=now)
    claimed = session.execute(
        update(RedeemCode)
        .where(RedeemCode.code_hash == _hash(code), RedeemCode.redeemed_by.is_(None))
        .values(redeemed_by=user_id, redeemed_at=now)
        .returning(RedeemCode.plan, RedeemCode.days),
        execution_options={"synchronize_session": False},
    ).one_or_none()
    if claimed is None:
        raise NotFound("no such code, or it was already used", code="bad_code")
    _check_days(claimed.days)
    _extend(session, sub, user_id=user_id, plan=claimed.plan, days=claimed.days, provider="code", now=now)
    return subscription_view(session, user_id=user_id, now=now)


def subscription_history(session: Session, *, user_id: int) -> dict[str, object]:
    """What a listener's data export says about paying: the subscription as it stands (with its dates and
    provider), each redeemed code, which payment providers know them, and each payment received (the money
    royalty statements count). No secrets, no internal or provider ids."""
    sub = subscription_row(session, user_id=user_id)
    current = None
    if sub is not None:
        current = {
            "plan": sub.plan, "state": sub.state, "provider": sub.provider, "started_at": _iso(sub.created_at),
            "trial_end": _iso(sub.trial_end), "period_end": _iso(sub.period_end), "canceled_at": _iso(sub.canceled_at),
        }  # fmt: skip
    codes = session.execute(
        select(RedeemCode.plan, RedeemCode.days, RedeemCode.redeemed_at)
        .where(RedeemCode.redeemed_by == user_id)
        .order_by(RedeemCode.redeemed_at)
    )
    providers = session.execute(
        select(BillingCustomer.provider, BillingCustomer.created_at)
        .where(BillingCustomer.user_id == user_id)
        .order_by(BillingCustomer.created_at)
    )
    paid = session.execute(
        select(
            Payment.provider, Payment.amount_cents, Payment.refunded_cents, Payment.currency,
            Payment.period_start, Payment.period_end, Payment.paid_at,
        )
        .where(Payment.user_id == user_id)
        .order_by(Payment.period_start, Payment.id)
    )  # fmt: skip
    return {
        "subscription": current,
        "redeemed_codes": [{"plan": p, "days": d, "redeemed_at": _iso(at)} for p, d, at in codes],
        "payment_providers": [{"provider": p, "customer_since": _iso(at)} for p, at in providers],
        "payments": [
            {
                "provider": row.provider, "amount_cents": row.amount_cents, "refunded_cents": row.refunded_cents,
                "currency": row.currency, "period_start": _iso(row.period_start), "period_end": _iso(row.period_end),
                "paid_at": _iso(row.paid_at),
            }
            for row in paid
        ],
    }  # fmt: skip


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
