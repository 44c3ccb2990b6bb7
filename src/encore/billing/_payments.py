"""Money received: paid invoices and their refunds, as the payment provider reports them.

This is what royalty statements count (`labels._revenue`): a subscription's state says whether a listener
has Premium, a payment row says that money came in and for which period. Admin grants, redeemed or demo
codes and trials give Premium but bring no money, so they have no row; a period the card failed to pay
(`past_due`) has none until a retry succeeds and its invoice is paid.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from encore.billing._models import Payment, PaymentLink, PaymentRefund
from encore.billing._provider_policy import (
    ProviderPayment,
    ProviderPaymentLink,
    ProviderRefund,
    payment_counts,
    refund_share,
)
from encore.db import write_lock


def lock_money(session: Session) -> None:
    """Apply money events one at a time: a refund and its payment (or link) delivered at once would each miss
    the other's uncommitted row, and two deliveries of one invoice (or one charge's two running totals) would
    each find none and insert it, the second failing on the unique key (a 500, its money missing from the month
    until Stripe retried: probe16). They are few (one per invoice, refund or dispute).

    One lock for all of them (`db.write_lock`)."""
    write_lock(session, "money")


def record_payment(
    session: Session, *, provider: str, user_id: int | None, customer_id: str, payment: ProviderPayment, now: datetime
) -> str:
    """One row per paid invoice (a redelivered or retried one under a new event id is still one row). A
    deleted account's customer (user None) still pays until its subscription is cancelled: that money counts
    too. Refunds that came before the invoice are taken off it now."""
    why_not = payment_counts(payment)
    if why_not is not None:
        return why_not
    lock_money(session)
    assert payment.period_start is not None and payment.period_end is not None  # noqa: S101 - payment_counts
    known = session.scalar(
        select(Payment.id).where(Payment.provider == provider, Payment.reference == payment.reference)
    )
    if known is not None:
        return "payment_already_recorded"
    row = Payment(
        user_id=user_id,
        provider=provider,
        reference=payment.reference,
        customer_id=customer_id,
        subscription_id=payment.subscription_id,
        period_start=payment.period_start,
        period_end=payment.period_end,
        amount_cents=payment.amount_cents,
        invoice_paid_cents=payment.invoice_paid_cents,
        refunded_cents=0,
        currency=payment.currency,
        paid_at=now,
    )
    session.add(row)
    if payment.paid_by is not None:
        link_payment(session, provider=provider, link=ProviderPaymentLink(payment.reference, payment.paid_by))
    session.flush()
    _settle(session, row)
    return "applied_payment"


def link_payment(session: Session, *, provider: str, link: ProviderPaymentLink) -> str:
    """Remember which charge or payment intent paid an invoice (whichever of the two events comes first);
    a refund of that charge that came before the link is taken off the invoice's payment now."""
    lock_money(session)
    known = session.scalar(
        select(PaymentLink.id).where(PaymentLink.provider == provider, PaymentLink.paid_by == link.paid_by)
    )
    if known is None:
        session.add(PaymentLink(provider=provider, paid_by=link.paid_by, invoice=link.invoice_id))
        session.flush()
        row = session.scalar(
            select(Payment).where(Payment.provider == provider, Payment.reference == link.invoice_id).with_for_update()
        )
        if row is not None:
            _settle(session, row)
        return "applied_payment_link"
    return "payment_link_already_recorded"


def _refunds_of(row: Payment) -> ColumnElement[bool]:
    """The refund rows that belong to a payment: those naming its invoice (of the same customer), and those
    of a charge or payment intent linked to it (a dispute names no customer; the link is enough)."""
    linked = select(PaymentLink.paid_by).where(
        PaymentLink.provider == row.provider, PaymentLink.invoice == row.reference
    )
    same_customer: ColumnElement[bool] = PaymentRefund.customer_id == row.customer_id
    if row.customer_id is None:  # paid before the customer was stored on payments (money14_1)
        same_customer = PaymentRefund.customer_id.is_not(None)
    by_invoice = (PaymentRefund.invoice == row.reference) & same_customer
    by_link = (PaymentRefund.charge_id.in_(linked) | PaymentRefund.payment_intent.in_(linked)) & (
        PaymentRefund.customer_id.is_(None) | same_customer
    )
    return (PaymentRefund.provider == row.provider) & (by_invoice | by_link)


def _settle(session: Session, row: Payment) -> None:
    """Take what was given back off a payment: the sum of its charges' running totals and lost disputes,
    each of the whole invoice, so this payment's share of it (`refund_share`); never less than already taken
    off."""
    total = session.scalar(select(func.sum(PaymentRefund.refunded_cents)).where(_refunds_of(row)))
    share = refund_share(int(total or 0), amount_cents=row.amount_cents, invoice_paid_cents=row.invoice_paid_cents)
    row.refunded_cents = max(row.refunded_cents, share)
    session.flush()


def apply_refund(session: Session, *, provider: str, customer_id: str | None, refund: ProviderRefund) -> str:
    """Keep a refunded charge's running total (a later, larger total replaces an earlier one; an
    out-of-order smaller one changes nothing), then take it off the invoice it paid. No payment for it yet
    (the refund came first, or the link between its charge and the invoice has not come): it stays kept and
    is applied when they arrive, so a refund is never lost to the order of events."""
    lock_money(session)
    key = refund.key or refund.charge_id
    kept = session.scalar(
        select(PaymentRefund)
        .where(PaymentRefund.provider == provider, PaymentRefund.reference == key)
        .with_for_update()
    )
    if kept is not None and None not in (kept.customer_id, customer_id) and kept.customer_id != customer_id:
        return "refund_of_another_customer"  # a charge belongs to one customer; never move another's money
    before = None if kept is None else (kept.refunded_cents, kept.payment_intent, kept.invoice, kept.customer_id)
    if kept is None:
        kept = PaymentRefund(provider=provider, reference=key, charge_id=refund.charge_id, refunded_cents=0)
        session.add(kept)
    kept.refunded_cents = max(kept.refunded_cents, refund.refunded_cents)
    kept.payment_intent = kept.payment_intent or refund.payment_intent
    kept.invoice = kept.invoice or refund.invoice_id
    kept.customer_id = kept.customer_id or customer_id
    session.flush()
    paid_by = [ref for ref in (kept.charge_id, kept.payment_intent) if ref is not None]
    linked = select(PaymentLink.invoice).where(PaymentLink.provider == provider, PaymentLink.paid_by.in_(paid_by))
    invoice: ColumnElement[bool] = Payment.reference.in_(linked)
    if kept.invoice is not None:
        invoice = invoice | (Payment.reference == kept.invoice)
    rows = session.scalars(select(Payment).where(Payment.provider == provider, invoice).with_for_update()).all()
    mine = [
        row
        for row in rows
        if session.scalar(select(PaymentRefund.id).where(_refunds_of(row), PaymentRefund.id == kept.id))
    ]
    was = [row.refunded_cents for row in mine]
    for row in mine:
        _settle(session, row)
    if not mine:
        return "refund_pending"
    changed = before != (kept.refunded_cents, kept.payment_intent, kept.invoice, kept.customer_id)
    # what a second backfill or an older, smaller total says: nothing moved (probe17's F8: it said "applied")
    return "applied_refund" if changed or was != [row.refunded_cents for row in mine] else "refund_already_recorded"
