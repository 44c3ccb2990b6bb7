"""Stripe's webhook events as plain types: which events Encore reads, and `parse_event`, which turns a verified
event body (or an object read back by the backfill) into a `ProviderEvent`. No call to Stripe is made here."""

import re
from datetime import datetime, timedelta
from typing import Any

from encore.billing._provider import BadWebhook, ProviderEvent
from encore.billing._provider_policy import ProviderPayment, ProviderPaymentLink, ProviderRefund, ProviderSubscription
from encore.kernel import from_epoch

SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
    }
)

SUBSCRIPTION_UPDATED, SUBSCRIPTION_ENDED = "customer.subscription.updated", "customer.subscription.deleted"
PAYMENT_EVENT = "invoice.paid"  # money received for a period: what royalty statements count
REFUND_EVENT = "charge.refunded"
DISPUTE_EVENT = "charge.dispute.closed"  # a dispute lost: the card's bank took the money back
_CURRENCY = re.compile(r"[a-zA-Z]{3}")  # ISO 4217, as Stripe sends it (lower case)
LINK_EVENT = "invoice_payment.paid"  # which payment intent paid which invoice (API 2025-03-31 and later)
INVOICE_LOOKBACK = timedelta(days=62)  # Stripe's retries of a failed invoice last at most two months
ENDED = frozenset({"canceled", "incomplete_expired"})  # a subscription in these states charges nothing more


def _when(value: object) -> datetime | None:
    return from_epoch(value) if isinstance(value, int) and value > 0 else None


def _period_end(obj: dict[str, Any]) -> datetime | None:
    # Since API version 2025-03-31 the period lives on the subscription items, before that on the subscription.
    if obj.get("current_period_end"):
        return _when(obj["current_period_end"])
    items = (obj.get("items") or {}).get("data") or []
    ends = [_when(i.get("current_period_end")) for i in items if isinstance(i, dict)]
    known = [e for e in ends if e is not None]
    return max(known) if known else None


def _subscription(obj: dict[str, Any]) -> ProviderSubscription:
    sub_id, status = obj.get("id"), obj.get("status")
    if not isinstance(sub_id, str) or not isinstance(status, str):
        raise BadWebhook("subscription event without id or status", code="bad_event")
    return ProviderSubscription(
        subscription_id=sub_id,
        status=status,
        period_end=_period_end(obj),
        trial_end=_when(obj.get("trial_end")),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        canceled_at=_when(obj.get("canceled_at")),
        ended_at=_when(obj.get("ended_at")),
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _item_prices(item: dict[str, Any]) -> set[str]:
    """The price ids of one subscription item or invoice line (price, legacy plan, or, since API version
    2025-03-31, an invoice line's pricing.price_details.price)."""
    found: set[str] = set()
    for key in ("price", "plan"):
        value = item.get(key)
        value = value.get("id") if isinstance(value, dict) else value
        if isinstance(value, str):
            found.add(value)
    nested = _dict(_dict(item.get("pricing")).get("price_details")).get("price")
    if isinstance(nested, str):
        found.add(nested)
    return found


def _prices(obj: dict[str, Any]) -> set[str]:
    """The price ids a subscription object is for (items[].price, or the legacy plan)."""
    found: set[str] = set()
    for item in (obj.get("items") or {}).get("data") or []:
        if isinstance(item, dict):
            found |= _item_prices(item)
    plan = obj.get("plan")
    if isinstance(plan, dict) and isinstance(plan.get("id"), str):
        found.add(plan["id"])
    return found


def _id(value: object) -> str | None:
    value = value.get("id") if isinstance(value, dict) else value
    return value if isinstance(value, str) and value else None


def _invoice_subscription(obj: dict[str, Any]) -> str | None:
    # Before API version 2025-03-31 on the invoice, since then under parent.subscription_details.
    nested = _dict(_dict(obj.get("parent")).get("subscription_details")).get("subscription")
    return _id(obj.get("subscription")) or _id(nested)


def _cents(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _net(line: dict[str, Any]) -> int:
    """What one invoice line brought in, net of tax and discounts: its `amount` less its discounts
    (`discount_amounts`) and the tax included in it. Tax added on top of the amount (exclusive) was never in
    `amount`; tax included in the price is, as `taxes[]` (API 2025-03-31 and later, with `tax_behavior`) or
    `tax_amounts[]` (before, with `inclusive`)."""
    discounts = sum(_cents(_dict(d).get("amount")) for d in line.get("discount_amounts") or [])
    taxes = [_dict(t) for t in (line.get("taxes") or [])]
    included = sum(_cents(t.get("amount")) for t in taxes if t.get("tax_behavior") == "inclusive")
    legacy = [_dict(t) for t in (line.get("tax_amounts") or [])]
    included += sum(_cents(t.get("amount")) for t in legacy if t.get("inclusive") is True)
    return _cents(line.get("amount")) - discounts - included


def _payment(obj: dict[str, Any], price_id: str | None) -> tuple[ProviderPayment, bool]:
    """A paid invoice, and whether it is for another price. The amount is what the plan's lines brought in,
    net of tax and discounts, and never more than the invoice's `amount_paid` (a credit balance can pay part
    of it); another product's lines on the same invoice are not ours. The period is the span the plan's
    lines cover."""
    invoice_id, paid, currency = obj.get("id"), obj.get("amount_paid"), obj.get("currency")
    if not isinstance(invoice_id, str) or not isinstance(paid, int) or not isinstance(currency, str):
        raise BadWebhook("invoice event without id, amount_paid or currency", code="bad_event")
    if _CURRENCY.fullmatch(currency) is None:  # "EURO" was once cut to EUR and counted
        raise BadWebhook("invoice currency is not a three-letter ISO 4217 code", code="bad_event")
    data = _dict(obj.get("lines")).get("data")
    lines = [ln for ln in data if isinstance(ln, dict)] if isinstance(data, list) else []
    ours = [ln for ln in lines if price_id is None or price_id in _item_prices(ln)]
    starts = [_when(_dict(ln.get("period")).get("start")) for ln in ours]
    ends = [_when(_dict(ln.get("period")).get("end")) for ln in ours]
    known_starts, known_ends = [d for d in starts if d is not None], [d for d in ends if d is not None]
    payment = ProviderPayment(
        reference=invoice_id,
        subscription_id=_invoice_subscription(obj),
        amount_cents=max(0, min(paid, sum(_net(ln) for ln in ours))),
        currency=currency.upper(),
        period_start=min(known_starts) if known_starts else None,
        period_end=max(known_ends) if known_ends else None,
        paid_by=_id(obj.get("payment_intent")) or _id(obj.get("charge")),
        invoice_paid_cents=paid,
    )
    return payment, bool(lines) and not ours


def _refund(obj: dict[str, Any]) -> ProviderRefund:
    charge_id, refunded = obj.get("id"), obj.get("amount_refunded")
    if not isinstance(charge_id, str) or not isinstance(refunded, int):
        raise BadWebhook("charge event without id or amount_refunded", code="bad_event")
    return ProviderRefund(
        charge_id=charge_id,
        invoice_id=_id(obj.get("invoice")),
        payment_intent=_id(obj.get("payment_intent")),
        refunded_cents=refunded,
    )


def _dispute(obj: dict[str, Any]) -> ProviderRefund | None:
    """A closed dispute: when lost, its amount went back to the card holder, like a refund of its charge
    (keyed by the dispute, so it adds to the charge's own refunds). Won or withdrawn: nothing was taken."""
    dispute_id, charge, amount = obj.get("id"), _id(obj.get("charge")), obj.get("amount")
    if not isinstance(dispute_id, str) or charge is None or not isinstance(amount, int):
        raise BadWebhook("dispute event without id, charge or amount", code="bad_event")
    if obj.get("status") != "lost":
        return None
    return ProviderRefund(
        charge_id=charge,
        invoice_id=None,
        payment_intent=_id(obj.get("payment_intent")),
        refunded_cents=amount,
        key=dispute_id,
    )


def _link(obj: dict[str, Any]) -> ProviderPaymentLink | None:
    """An invoice payment: its payment intent (or charge) sits under `payment`, or on the object itself in
    later API versions; None when it names none."""
    invoice, pay = _id(obj.get("invoice")), _dict(obj.get("payment"))
    by = _id(pay.get("payment_intent")) or _id(pay.get("charge"))
    by = by or _id(obj.get("payment_intent")) or _id(obj.get("charge"))
    return ProviderPaymentLink(invoice_id=invoice, paid_by=by) if invoice and by else None


def parse_event(raw: dict[str, Any], *, price_id: str | None = None) -> ProviderEvent:
    """Plain types out of a (verified) Stripe event body. With `price_id`, a subscription event for any
    other price (another product on the same Stripe account, a cheaper plan) is marked `other_price`."""
    event_id, kind, created = raw.get("id"), raw.get("type"), _when(raw.get("created"))
    obj = (raw.get("data") or {}).get("object")
    if not isinstance(event_id, str) or not isinstance(kind, str) or created is None or not isinstance(obj, dict):
        raise BadWebhook("not a Stripe event", code="bad_event")
    payment, other_price = None, False
    if kind in SUBSCRIPTION_EVENTS:
        other_price = price_id is not None and price_id not in _prices(obj)
    elif kind == PAYMENT_EVENT:
        payment, other_price = _payment(obj, price_id)
    return ProviderEvent(
        id=event_id,
        type=kind,
        created=created,
        customer_id=_id(obj.get("customer")),  # a string, or expanded into an object
        subscription=_subscription(obj) if kind in SUBSCRIPTION_EVENTS else None,
        other_price=other_price,
        payment=payment,
        refund=_refund(obj) if kind == REFUND_EVENT else _dispute(obj) if kind == DISPUTE_EVENT else None,
        link=_link(obj) if kind == LINK_EVENT else None,
    )
