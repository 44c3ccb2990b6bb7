"""Subscriptions and redeem codes: the listener's Premium (codes, a trial, Stripe's checkout and portal), Stripe's
webhook, and the admin's grants and codes. The player's and the admin's JSON API."""

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from encore import audit, billing
from encore.accounts import User
from encore.audit import kinds
from encore.db import transaction
from encore.kernel import NotFound
from encore.web._audit import note
from encore.web._deps import Admin, CurrentUser, Db, container, public_base
from encore.web._schemas import Strict

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["entitlements"])


def _listener(user: CurrentUser) -> User:
    """Premium is a listener's (`billing.check_premium_buyer`): for a code, a demo code and a trial."""
    billing.check_premium_buyer(user)
    return user


Listener = Annotated[User, Depends(_listener)]


class SubscriptionOut(BaseModel):
    tier: str
    reason: str
    plan: str | None
    state: str | None
    provider: str | None
    trial_end: datetime | None
    period_end: datetime | None
    canceled_at: datetime | None
    price_cents: int
    currency: str
    trial_days: int
    checkout_available: bool
    demo: bool  # a demo server: the upgrade page offers a demo redeem code


class CheckoutIn(Strict):
    """Nothing to choose: the plan, price and return pages are the server's settings, never the client's."""


class LinkOut(BaseModel):
    url: str


class RedeemIn(Strict):
    code: str = Field(min_length=4, max_length=64)


class GrantIn(Strict):
    days: int = Field(ge=1, le=3660)


class CodesIn(Strict):
    days: int = Field(ge=1, le=3660)
    count: int = Field(default=1, ge=1, le=1000)


def _sub_out(request: Request, view: billing.SubscriptionView) -> SubscriptionOut:
    s = container(request).settings
    return SubscriptionOut(
        **view.__dict__,
        price_cents=s.premium_price_cents,
        currency=s.premium_currency,
        trial_days=s.trial_days,
        checkout_available=billing.stripe_config(s) is not None,
        demo=s.mode == "demo",
    )


def _stripe(request: Request) -> billing.StripeProvider:
    provider = billing.stripe_provider(container(request).settings)
    if provider is None:
        raise NotFound("card payments are not set up on this server", code="checkout_unavailable")
    return provider


Stripe = Annotated[billing.StripeProvider, Depends(_stripe)]


MAX_WEBHOOK_BYTES = 256 * 1024  # Stripe's events are a few KB; nothing bigger is read before the signature check


async def _raw_body(request: Request) -> bytes:
    # The signature covers the exact bytes Stripe sent, so the body is read raw, never re-serialised.
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise HTTPException(413, detail={"code": "too_large", "message": "webhook body too large"})
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_WEBHOOK_BYTES:
            raise HTTPException(413, detail={"code": "too_large", "message": "webhook body too large"})
    return body


RawBody = Annotated[bytes, Depends(_raw_body)]


PROVIDER_DOWN = "Payments can't be reached right now, so nothing was charged. Please try again in a few minutes."


def _provider_down(exc: billing.PaymentProviderError) -> HTTPException:
    """The listener reads what happened and what to do; the operator's log keeps Stripe's own words (probe18b: the
    page showed Stripe's error, "contact support@stripe.com" and the configured API host and port)."""
    log.warning("payment provider unavailable: %s", exc.message)
    return HTTPException(502, detail={"code": exc.code, "message": PROVIDER_DOWN})


@router.get("/me/subscription")
def my_subscription(request: Request, session: Db, user: CurrentUser) -> SubscriptionOut:
    now = container(request).clock.now()
    return _sub_out(request, billing.subscription_view(session, user_id=user.id, now=now))


def _close_checkouts(request: Request, user_public_id: str) -> None:
    """After the commit (a background task): the account's open checkout pages expire, so none is paid for
    days already given. Stripe down leaves them open; one paid later is ended and refunded by its webhook."""
    c = container(request)
    provider = billing.stripe_provider(c.settings)
    if provider is None:
        return
    try:
        with c.sessions() as session:
            billing.close_checkouts(session, provider=provider, user_public_id=user_public_id)
    except billing.PaymentProviderError as exc:
        log.warning("open checkout pages of user %s not expired: %s", user_public_id, exc.message)


@router.post("/me/subscription/redeem")
def redeem(
    body: RedeemIn, request: Request, session: Db, user: Listener, background: BackgroundTasks
) -> SubscriptionOut:
    now = container(request).clock.now()
    view = billing.redeem_code(session, user_id=user.id, code=body.code, now=now)
    background.add_task(_close_checkouts, request, user.public_id)
    return _sub_out(request, view)


class DemoCodeOut(BaseModel):
    code: str
    days: int


@router.post("/me/subscription/demo-code", status_code=201)
def demo_code(request: Request, session: Db, user: Listener) -> DemoCodeOut:
    """On a demo server only: a one-use 30-day code, so the Premium story can be tried without a card; one
    per account (409 after)."""
    c = container(request)
    if c.settings.mode != "demo":
        raise NotFound("demo codes exist only on a demo server", code="not_demo")
    days = 30
    plan = c.settings.premium_plan
    code = billing.demo_code(session, user_id=user.id, plan=plan, days=days, now=c.clock.now())
    return DemoCodeOut(code=code, days=days)


@router.post("/me/subscription/checkout")
def checkout(
    request: Request, session: Db, user: CurrentUser, stripe: Stripe, _body: CheckoutIn | None = None
) -> LinkOut:
    c = container(request)
    base = public_base(request)
    try:
        link = billing.start_checkout(
            session,
            provider=stripe,
            user_id=user.id,
            success_url=f"{base}/account?checkout=done",
            cancel_url=f"{base}/upgrade",
            trial_days=c.settings.trial_days,
            now=c.clock.now(),
        )
    except billing.PaymentProviderError as exc:
        raise _provider_down(exc) from exc
    return LinkOut(url=link.url)


@router.post("/me/subscription/portal")
def portal(request: Request, session: Db, user: CurrentUser, stripe: Stripe) -> LinkOut:
    base = public_base(request)
    try:
        url = billing.portal_link(session, provider=stripe, user_id=user.id, return_url=f"{base}/account")
    except billing.PaymentProviderError as exc:
        raise _provider_down(exc) from exc
    return LinkOut(url=url)


@router.post("/webhooks/stripe")
def stripe_webhook(request: Request, session: Db, stripe: Stripe, payload: RawBody) -> dict[str, object]:
    """Unauthenticated by design: the Stripe-Signature header is the authentication. Stripe delivers a refused
    (non-2xx) event again, with backoff, for days: how a cancel Stripe could not take then is retried."""
    c = container(request)
    try:
        handled = billing.handle_webhook(
            session,
            provider=stripe,
            payload=payload,
            signature=request.headers.get("stripe-signature"),
            plan=c.settings.premium_plan,
            now=c.clock.now(),
        )
    except billing.CancelRefused as exc:
        _cancel_refused(request, exc)
        raise _provider_down(exc) from exc
    except billing.PaymentProviderError as exc:
        raise _provider_down(exc) from exc
    for refused in handled.refunds_not_made:  # recorded with the event: a redelivery (5xx) records it once
        # once per invoice; when Stripe would not even list the invoices, once per subscription (review22c F4)
        about = ("invoice", refused.invoice_id) if refused.invoice_id else ("subscription", refused.subscription_id)
        key, value = about
        said = audit.recorded(session, kind=kinds.BILLING_REFUND_NOT_MADE, key=key, value=value)
        if said:  # told by an earlier event about the same subscription (Stripe sends several): once per invoice
            continue
        log.warning(
            "Stripe will not refund invoice %s of subscription %s (%s): refund it by hand if the listener is owed",
            refused.invoice_id, refused.subscription_id, refused.reason,
        )  # fmt: skip
        note(
            request, session, kinds.BILLING_REFUND_NOT_MADE, actor=None, subject_id=handled.user_id,
            invoice=refused.invoice_id, subscription=refused.subscription_id, reason=refused.reason,
        )  # fmt: skip
    return {"received": True, "outcome": handled.outcome}


def _cancel_refused(request: Request, exc: billing.CancelRefused) -> None:
    """Recorded apart: the delivery's own transaction is rolled back with its refusal. Once per subscription:
    Stripe redelivers the event for days, each delivery asking the cancel again."""
    with transaction(container(request).sessions) as session:
        if audit.recorded(session, kind=kinds.BILLING_CANCEL_REFUSED, key="subscription", value=exc.subscription_id):
            return
        note(
            request, session, kinds.BILLING_CANCEL_REFUSED, actor=None, subject_id=exc.user_id,
            subscription=exc.subscription_id, reason=exc.reason, why=exc.why,
        )  # fmt: skip


@router.post("/me/subscription/trial")
def trial(request: Request, session: Db, user: Listener, background: BackgroundTasks) -> SubscriptionOut:
    c = container(request)
    view = billing.start_trial(
        session, user_id=user.id, plan=c.settings.premium_plan, days=c.settings.trial_days, now=c.clock.now()
    )
    background.add_task(_close_checkouts, request, user.public_id)
    return _sub_out(request, view)


@router.put("/admin/users/{user_id}/premium")
def grant(
    user_id: str, body: GrantIn, request: Request, *, session: Db, admin: Admin, background: BackgroundTasks
) -> SubscriptionOut:
    c = container(request)
    view = billing.grant_premium(
        session, user_public_id=user_id, plan=c.settings.premium_plan, days=body.days, now=c.clock.now()
    )
    note(request, session, kinds.ADMIN_PREMIUM_GRANTED, actor=admin, subject_public_id=user_id, days=body.days)
    background.add_task(_close_checkouts, request, user_id)
    return _sub_out(request, view)


@router.delete("/admin/users/{user_id}/premium")
def revoke(user_id: str, request: Request, session: Db, admin: Admin) -> SubscriptionOut:
    view = billing.revoke_premium(session, user_public_id=user_id, now=container(request).clock.now())
    note(request, session, kinds.ADMIN_PREMIUM_REVOKED, actor=admin, subject_public_id=user_id)
    return _sub_out(request, view)


@router.post("/admin/redeem-codes")
def make_codes(body: CodesIn, request: Request, session: Db, admin: Admin) -> dict[str, list[str]]:
    c = container(request)
    codes = billing.create_codes(
        session,
        admin_id=admin.id,
        plan=c.settings.premium_plan,
        days=body.days,
        count=body.count,
        now=c.clock.now(),
    )
    note(request, session, kinds.ADMIN_CODES_CREATED, actor=admin, days=body.days, count=len(codes))
    return {"codes": codes}
