"""Money received through Stripe's webhooks, end to end: `invoice.paid` records a payment for the period it
paid, `charge.refunded` takes refunds off it, and a month's statement counts exactly that (F2, F11)."""

import json
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import billing, labels
from encore.billing import Payment
from encore.bootstrap import Container
from tests.support.stripe_stub import PRICE
from tests.web.test_stripe_api import _customer_of, post_hook, stripe_on, stub, sub_event

__all__ = ["stripe_on", "stub"]

TERMS = labels.Terms(payout_share_pct=100, currency="EUR")


def _ts(year: int, month: int) -> int:
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp())


def invoice_paid(event_id: str, customer: str, invoice: str, *, start: int, end: int, paid: int = 999) -> bytes:
    line = {"id": "il_1", "period": {"start": start, "end": end}, "price": {"id": PRICE}}
    obj = {
        "id": invoice, "object": "invoice", "customer": customer, "amount_paid": paid, "currency": "eur",
        "subscription": "sub_1", "lines": {"object": "list", "data": [line]},
    }  # fmt: skip
    return json.dumps(
        {"id": event_id, "object": "event", "type": "invoice.paid", "created": start, "data": {"object": obj}}
    ).encode()


def charge_refunded(
    event_id: str, customer: str, invoice: str | None, refunded: int, *, charge: str = "ch_1", intent: str | None = None
) -> bytes:
    obj = {
        "id": charge, "object": "charge", "customer": customer, "amount_refunded": refunded, "invoice": invoice,
        "payment_intent": intent,
    }  # fmt: skip
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "charge.refunded",
            "created": _ts(2026, 11),
            "data": {"object": obj},
        }
    ).encode()


def _pool(container: Container, month: str) -> int:
    with container.sessions() as s:
        return labels.compute_month(s, month=month, terms=TERMS).subscription_cents


def test_only_the_months_paid_count_when_a_listener_lapses_and_renews(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    aug, sep, octo, nov, dec = _ts(2026, 8), _ts(2026, 9), _ts(2026, 10), _ts(2026, 11), _ts(2026, 12)
    assert post_hook(client, sub_event("evt_a", cus, "active", created=aug))[1]["outcome"] == "applied_active"
    assert (
        post_hook(client, invoice_paid("evt_b", cus, "in_aug", start=aug, end=sep))[1]["outcome"] == "applied_payment"
    )
    # September's renewal fails and the subscription ends; the listener comes back in November.
    assert post_hook(client, sub_event("evt_c", cus, "past_due", created=sep))[1]["outcome"] == "applied_past_due"
    assert post_hook(client, sub_event("evt_d", cus, "unpaid", created=octo))[1]["outcome"] == "applied_expired"
    assert post_hook(client, sub_event("evt_e", cus, "active", created=nov, sub_id="sub_2"))[1]["outcome"] == (
        "applied_active"
    )
    assert (
        post_hook(client, invoice_paid("evt_f", cus, "in_nov", start=nov, end=dec))[1]["outcome"] == "applied_payment"
    )
    assert [_pool(stripe_on, m) for m in ("2026-08", "2026-09", "2026-10", "2026-11")] == [999, 0, 0, 999]


def test_a_redelivered_invoice_counts_once_and_a_free_one_not_at_all(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    assert post_hook(client, invoice_paid("evt_1", cus, "in_1", start=nov, end=dec))[1]["outcome"] == "applied_payment"
    # invoice.paid again under another event id (Stripe sends payment_succeeded and paid; a resent event)
    assert post_hook(client, invoice_paid("evt_2", cus, "in_1", start=nov, end=dec))[1]["outcome"] == (
        "payment_already_recorded"
    )
    trial = invoice_paid("evt_3", cus, "in_trial", start=nov, end=dec, paid=0)
    assert post_hook(client, trial)[1]["outcome"] == "ignored_nothing_paid"
    assert _pool(stripe_on, "2026-11") == 999


def test_refunds_come_off_the_payment_they_refund(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    other = _customer_of(stripe_on, client, "bob")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    post_hook(client, invoice_paid("evt_1", cus, "in_1", start=nov, end=dec))
    assert post_hook(client, charge_refunded("evt_2", cus, "in_1", 400))[1]["outcome"] == "applied_refund"
    assert _pool(stripe_on, "2026-11") == 599
    # An older, smaller running total arriving late changes nothing; a refund naming another listener's
    # invoice, or none, moves no money.
    assert post_hook(client, charge_refunded("evt_3", cus, "in_1", 100))[1]["outcome"] == "applied_refund"
    assert post_hook(client, charge_refunded("evt_4", other, "in_1", 999))[1]["outcome"] == "refund_of_unknown_payment"
    assert post_hook(client, charge_refunded("evt_5", cus, None, 999))[1]["outcome"] == "refund_of_unknown_payment"
    assert _pool(stripe_on, "2026-11") == 599
    assert post_hook(client, charge_refunded("evt_6", cus, "in_1", 999))[1]["outcome"] == "applied_refund"
    assert _pool(stripe_on, "2026-11") == 0
    with stripe_on.sessions() as s:
        assert s.scalar(select(Payment.refunded_cents)) == 999
        alice = s.scalar(select(Payment.user_id))
        assert alice is not None
        history = billing.subscription_history(s, user_id=alice)  # what the listener's data export says
    assert history["payments"] == [
        {
            "provider": "stripe", "amount_cents": 999, "refunded_cents": 999, "currency": "EUR",
            "period_start": "2026-11-01T00:00:00+00:00", "period_end": "2026-12-01T00:00:00+00:00",
            "paid_at": history["payments"][0]["paid_at"],  # type: ignore[index]
        }
    ]  # fmt: skip


def test_an_invoice_for_another_price_brings_nothing(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    raw = json.loads(invoice_paid("evt_1", cus, "in_1", start=_ts(2026, 11), end=_ts(2026, 12)))
    raw["data"]["object"]["lines"]["data"][0]["price"]["id"] = "price_another_product"
    assert post_hook(client, json.dumps(raw).encode())[1]["outcome"] == "ignored_other_price"
    assert _pool(stripe_on, "2026-11") == 0


def invoice_payment_paid(event_id: str, invoice: str, intent: str) -> bytes:
    obj = {
        "id": "inpay_1", "object": "invoice_payment", "invoice": invoice, "status": "paid", "amount_paid": 999,
        "payment": {"type": "payment_intent", "payment_intent": intent},
    }  # fmt: skip
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "invoice_payment.paid",
            "created": _ts(2026, 11),
            "data": {"object": obj},
        }
    ).encode()


def test_a_refund_that_names_no_invoice_finds_its_payment_through_the_invoice_payment(
    client: TestClient, stripe_on: Container
) -> None:
    """Since API version 2025-03-31 a charge names no invoice: `invoice_payment.paid` says which payment
    intent paid which invoice, and it may come before or after `invoice.paid`."""
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    assert post_hook(client, invoice_payment_paid("evt_0", "in_1", "pi_1"))[1]["outcome"] == "applied_payment_link"
    assert post_hook(client, invoice_paid("evt_1", cus, "in_1", start=nov, end=dec))[1]["outcome"] == "applied_payment"
    post_hook(client, invoice_paid("evt_2", cus, "in_2", start=dec, end=_ts(2027, 1)))
    assert post_hook(client, invoice_payment_paid("evt_3", "in_2", "pi_2"))[1]["outcome"] == "applied_payment_link"
    refund = charge_refunded("evt_4", cus, None, 999, charge="ch_9", intent="pi_1")
    assert post_hook(client, refund)[1]["outcome"] == "applied_refund"
    assert post_hook(client, charge_refunded("evt_5", cus, None, 500, charge="ch_8", intent="pi_2"))[1]["outcome"] == (
        "applied_refund"
    )
    assert (_pool(stripe_on, "2026-11"), _pool(stripe_on, "2026-12")) == (0, 499)
