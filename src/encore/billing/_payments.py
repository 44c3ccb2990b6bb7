"""Money received: paid invoices and their refunds, as the payment provider reports them.

This is what royalty statements count (`labels._revenue`): a subscription's state says whether a listener
has Premium, a payment row says that money came in and for which period. Admin grants, redeemed or demo
codes and trials give Premium but bring no money, so they have no row; a period the card failed to pay
(`past_due`) has none until a retry succeeds and its invoice is paid.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from encore.billing._models import Payment, PaymentLink
from encore.billing._provider_policy import ProviderPayment, ProviderPaymentLink, ProviderRefund, payment_counts


def record_payment(session: Session, *, provider: str, user_id: int, payment: ProviderPayment, now: datetime) -> str:
    """One row per paid invoice (a redelivered or retried one under a new event id is still one row)."""
    why_not = payment_counts(payment)
    if why_not is not None:
        return why_not
    assert payment.period_start is not None and payment.period_end is not None  # noqa: S101 - payment_counts
    known = session.scalar(
        select(Payment.id).where(Payment.provider == provider, Payment.reference == payment.reference)
    )
    if known is not None:
        return "payment_already_recorded"
    session.add(
        Payment(
            user_id=user_id,
            provider=provider,
            reference=payment.reference,
            subscription_id=payment.subscription_id,
            period_start=payment.period_start,
            period_end=payment.period_end,
            amount_cents=payment.amount_cents,
            refunded_cents=0,
            currency=payment.currency,
            paid_at=now,
        )
    )
    if payment.paid_by is not None:
        link_payment(session, provider=provider, link=ProviderPaymentLink(payment.reference, payment.paid_by))
    session.flush()
    return "applied_payment"


def link_payment(session: Session, *, provider: str, link: ProviderPaymentLink) -> str:
    """Remember which charge or payment intent paid an invoice (whichever of the two events comes first)."""
    known = session.scalar(
        select(PaymentLink.id).where(PaymentLink.provider == provider, PaymentLink.paid_by == link.paid_by)
    )
    if known is None:
        session.add(PaymentLink(provider=provider, paid_by=link.paid_by, invoice=link.invoice_id))
        session.flush()
    return "applied_payment_link"


def apply_refund(session: Session, *, provider: str, user_id: int, refund: ProviderRefund) -> str:
    """A refunded charge takes its money off the invoice it paid; the charge carries its running total, so
    a later (larger) total replaces an earlier one and an out-of-order smaller one changes nothing."""
    paid_by = [ref for ref in (refund.charge_id, refund.payment_intent) if ref is not None]
    linked = select(PaymentLink.invoice).where(PaymentLink.provider == provider, PaymentLink.paid_by.in_(paid_by))
    invoice: ColumnElement[bool] = Payment.reference.in_(linked)
    if refund.invoice_id is not None:
        invoice = invoice | (Payment.reference == refund.invoice_id)
    row = session.scalar(
        select(Payment)
        .where(Payment.provider == provider, Payment.user_id == user_id, invoice)
        .limit(1)
        .with_for_update()
    )
    if row is None:
        return "refund_of_unknown_payment"
    row.refunded_cents = max(row.refunded_cents, min(max(refund.refunded_cents, 0), row.amount_cents))
    session.flush()
    return "applied_refund"
