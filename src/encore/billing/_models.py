"""Subscriptions, payment-provider customers and events, redeemable codes."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, TimestampMixin, UTCDateTime


class Subscription(TimestampMixin, Base):
    """One row per user who ever had Premium; the dates decide, the state only explains."""

    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    plan: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str] = mapped_column(String(16), default="manual")
    provider_customer_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    trial_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider_subscription_id: Mapped[str | None] = mapped_column(String(100))
    # `created` of the newest provider event applied: an older event arriving later never rolls state back.
    provider_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last provider subscription applied as ended for good (Stripe's `canceled`): no later event of that id
    # makes it live again, whatever its time says (`_provider_policy.ended_for_good`).
    provider_ended_subscription_id: Mapped[str | None] = mapped_column(String(100))


class HeldSubscription(Base):
    """A provider subscription the account's row has held (applied), kept once the row moves on to another. An
    old event of one held before, delivered late or again after the listener cancelled it to its period's end
    and bought a new one, is a stale word about a subscription the listener used, never a second one to end and
    refund (review23 F1)."""

    __tablename__ = "held_provider_subscriptions"
    __table_args__ = (
        UniqueConstraint("provider", "subscription_id", name="uq_held_provider_subscriptions_provider_subscription_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    subscription_id: Mapped[str] = mapped_column(String(100))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Payment(Base):
    """Money a payment provider says it received for a span of Premium (one paid invoice), and what was
    refunded of it. Royalty statements read these rows and nothing else: an admin grant, a code, a trial or a
    period the card did not pay (past_due) has no row, so it adds nothing to the pool. The row outlives its
    listener (user_id SET NULL): money received stays received when the account is deleted."""

    __tablename__ = "subscription_payments"
    __table_args__ = (UniqueConstraint("provider", "reference", name="uq_subscription_payments_provider_reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(100))  # the provider's invoice id
    customer_id: Mapped[str | None] = mapped_column(String(100))  # the provider's customer who paid it
    subscription_id: Mapped[str | None] = mapped_column(String(100))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # the plan's lines, net of tax and discounts
    # The whole invoice's amount paid (tax, other products); refunds are of that, so this payment loses its
    # share of them. None for payments recorded before money14b_1 (taken as amount_cents).
    invoice_paid_cents: Mapped[int | None] = mapped_column(BigInteger)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PaymentLink(Base):
    """Which charge or payment intent paid which invoice. A refund names its charge and payment intent; since
    Stripe's API version 2025-03-31 it no longer names the invoice, and the link arrives in its own event
    (`invoice_payment.paid`), in any order with the invoice's, so it is kept apart from the payment row."""

    __tablename__ = "payment_links"
    __table_args__ = (UniqueConstraint("provider", "paid_by", name="uq_payment_links_provider_paid_by"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    paid_by: Mapped[str] = mapped_column(String(100))  # a charge or payment intent id
    invoice: Mapped[str] = mapped_column(String(100))


class PaymentRefund(Base):
    """Money the provider gave back on a charge: its running refunded total, or a dispute lost (keyed by the
    dispute). Kept apart from the payment, whatever the order of events: a refund delivered before its
    invoice, or before the event that links its payment intent to that invoice, is applied when they come
    (`billing._payments`). The customer is the charge's; a dispute names none and is matched only
    through the link of its charge or payment intent to the invoice."""

    __tablename__ = "payment_refunds"
    __table_args__ = (UniqueConstraint("provider", "reference", name="uq_payment_refunds_provider_reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(100))  # the charge id, or the dispute id
    charge_id: Mapped[str] = mapped_column(String(100), index=True)
    payment_intent: Mapped[str | None] = mapped_column(String(100), index=True)
    invoice: Mapped[str | None] = mapped_column(String(100), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(100))
    refunded_cents: Mapped[int] = mapped_column(BigInteger)


class BillingCustomer(TimestampMixin, Base):
    """The payment provider's customer for a user. Only Encore makes this link (when it opens a checkout),
    so a webhook naming a customer id can only ever move the account Encore bound that id to. The row
    outlives the account (user_id SET NULL): the provider may still send that customer's invoices and
    refunds, and they are money received or given back all the same."""

    __tablename__ = "billing_customers"
    __table_args__ = (
        UniqueConstraint("provider", "customer_id", name="uq_billing_customers_provider_customer_id"),
        UniqueConstraint("provider", "user_id", name="uq_billing_customers_provider_user_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    provider: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(100))


class ProcessedEvent(Base):
    """Webhook event ids already applied: a replayed or retried delivery counts once."""

    __tablename__ = "processed_provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_processed_provider_events_provider_event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RedeemCode(TimestampMixin, Base):
    """A code an admin hands out; only its SHA-256 is stored, and it works once."""

    __tablename__ = "redeem_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    plan: Mapped[str] = mapped_column(String(32))
    days: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    redeemed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
