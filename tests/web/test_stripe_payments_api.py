"""Money received through Stripe's webhooks, end to end: `invoice.paid` records a payment for the period it
paid, `charge.refunded` takes refunds off it, and a month's statement counts exactly that (F2, F11)."""

import json
import logging
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from encore import billing, labels
from encore.accounts import User
from encore.billing import Payment
from encore.bootstrap import Container
from encore.db import transaction
from encore.labels._revenue import month_money
from tests.support.stripe_stub import PRICE, StubStripe
from tests.web.test_stripe_api import _customer_of, post_hook, stripe_on, stub, sub_event

__all__ = ["stripe_on", "stub"]

TERMS = labels.Terms(payout_share_pct=100, currency="EUR")


def _ts(year: int, month: int) -> int:
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp())


def invoice_paid(event_id: str, customer: str, invoice: str, *, start: int, end: int, paid: int = 999) -> bytes:
    line = {"id": "il_1", "amount": paid, "period": {"start": start, "end": end}, "price": {"id": PRICE}}
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
    # invoice, or none, moves no money (it is kept, for a payment of its own that may still come).
    assert post_hook(client, charge_refunded("evt_3", cus, "in_1", 100))[1]["outcome"] == "refund_already_recorded"
    refund = charge_refunded("evt_4", other, "in_1", 999, charge="ch_2")
    assert post_hook(client, refund)[1]["outcome"] == "refund_pending"
    refund = charge_refunded("evt_4b", other, "in_1", 999)  # alice's charge said to be bob's
    assert post_hook(client, refund)[1]["outcome"] == "refund_of_another_customer"
    assert post_hook(client, charge_refunded("evt_5", cus, None, 999, charge="ch_3"))[1]["outcome"] == "refund_pending"
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


def _late(container: Container, month: str) -> list[tuple[str, int]]:
    with container.sessions() as s:
        return [
            (a.for_month, a.subscription_cents) for a in labels.compute_month(s, month=month, terms=TERMS).adjustments
        ]


def test_an_invoice_paid_after_its_month_closed_is_carried_once_and_its_refund_too(
    client: TestClient, stripe_on: Container
) -> None:
    """Stripe's retry pays November's renewal after November was closed; the webhook, its redelivery and a
    later refund move November's money into the next open statement once each, never into November's."""
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    with transaction(stripe_on.sessions) as s:
        closed = labels.close_month(s, month="2026-11", terms=TERMS, admin_id=1, now=datetime(2026, 12, 5, tzinfo=UTC))
    assert closed.subscription_cents == 0
    assert post_hook(client, invoice_paid("evt_1", cus, "in_1", start=nov, end=dec))[1]["outcome"] == "applied_payment"
    assert _late(stripe_on, "2026-12") == [("2026-11", 999)]
    assert post_hook(client, invoice_paid("evt_2", cus, "in_1", start=nov, end=dec))[1]["outcome"] == (
        "payment_already_recorded"
    )
    assert post_hook(client, charge_refunded("evt_3", cus, "in_1", 400))[1]["outcome"] == "applied_refund"
    assert _late(stripe_on, "2026-12") == [("2026-11", 599)]
    with transaction(stripe_on.sessions) as s:
        dec_closed = labels.close_month(
            s, month="2026-12", terms=TERMS, admin_id=1, now=datetime(2027, 1, 5, tzinfo=UTC)
        )
    assert [(a.for_month, a.subscription_cents) for a in dec_closed.adjustments] == [("2026-11", 599)]
    assert post_hook(client, charge_refunded("evt_4", cus, "in_1", 400))[1]["outcome"] == "refund_already_recorded"
    assert _late(stripe_on, "2027-01") == []
    assert post_hook(client, charge_refunded("evt_5", cus, "in_1", 999))[1]["outcome"] == "applied_refund"
    assert _late(stripe_on, "2027-01") == [("2026-11", -599)]
    with stripe_on.sessions() as s:
        assert (
            labels.statement(
                s, month="2026-11", terms=TERMS, now=datetime(2027, 1, 20, tzinfo=UTC), state=stripe_on.state
            )
            == closed
        )


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


def test_an_invoice_counts_only_the_plan_net_of_tax_not_another_product(
    client: TestClient, stripe_on: Container
) -> None:
    """review14b #1: 999 for the plan + 190 VAT + 5000 for another product on one invoice is 999 received
    for Premium, not 6189."""
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    raw = json.loads(invoice_paid("evt_1", cus, "in_1", start=nov, end=dec, paid=999 + 190 + 5000))
    lines = raw["data"]["object"]["lines"]["data"]
    lines[0].update(amount=999, taxes=[{"amount": 190, "tax_behavior": "exclusive", "taxable_amount": 999}])
    lines.append({"id": "il_2", "amount": 5000, "period": {"start": nov, "end": nov}, "price": {"id": "price_merch"}})
    raw["data"]["object"].update(tax=190, total_excluding_tax=5999)
    assert post_hook(client, json.dumps(raw).encode())[1]["outcome"] == "applied_payment"
    assert _pool(stripe_on, "2026-11") == 999
    # Refunding the other product's 5000 takes only the plan's share of it (5000 x 999 / 6189 = 807) off.
    assert post_hook(client, charge_refunded("evt_2", cus, "in_1", 5000))[1]["outcome"] == "applied_refund"
    assert _pool(stripe_on, "2026-11") == 999 - 807
    assert post_hook(client, charge_refunded("evt_3", cus, "in_1", 6189))[1]["outcome"] == "applied_refund"
    assert _pool(stripe_on, "2026-11") == 0


def test_a_refund_after_the_account_is_deleted_still_comes_off(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """review14b #2a: the billing customer outlives the account, so its refunds (and its later invoices) are
    still matched to its own payments."""
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    assert post_hook(client, invoice_paid("evt_1", cus, "in_1", start=nov, end=dec))[1]["outcome"] == "applied_payment"
    with transaction(stripe_on.sessions) as s:
        s.execute(delete(User).where(User.username == "alice"))
    assert post_hook(client, charge_refunded("evt_2", cus, "in_1", 999))[1]["outcome"] == "applied_refund"
    assert _pool(stripe_on, "2026-11") == 0
    # Stripe still charges until the subscription is cancelled there: that money was received all the same.
    paid = invoice_paid("evt_3", cus, "in_2", start=dec, end=_ts(2027, 1))
    assert post_hook(client, paid)[1]["outcome"] == "applied_payment"
    # and the subscription going on for nobody is ended there when its next event comes (session 19)
    stub.lists["/v1/subscriptions"] = [json.loads(sub_event("evt_4", cus, "active", created=dec))["data"]["object"]]
    assert (
        post_hook(client, sub_event("evt_4", cus, "active", created=dec))[1]["outcome"] == "cancelled_deleted_account"
    )
    assert _pool(stripe_on, "2026-12") == 999
    with stripe_on.sessions() as s:
        assert s.execute(select(Payment.user_id, Payment.refunded_cents).order_by(Payment.reference)).all() == [
            (None, 999),
            (None, 0),
        ]


def test_a_refund_before_its_invoice_is_applied_when_the_invoice_comes(
    client: TestClient, stripe_on: Container
) -> None:
    """review14b #2b: a refund delivered before `invoice.paid` (a failed delivery Stripe still retries) is
    kept, not lost as processed; the payment takes it off when it arrives."""
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    assert post_hook(client, charge_refunded("evt_2", cus, "in_1", 999))[1]["outcome"] == "refund_pending"
    assert post_hook(client, charge_refunded("evt_2", cus, "in_1", 999))[1]["outcome"] == "duplicate"
    assert post_hook(client, invoice_paid("evt_1", cus, "in_1", start=nov, end=dec))[1]["outcome"] == "applied_payment"
    assert _pool(stripe_on, "2026-11") == 0


def test_a_refund_before_the_invoice_payment_link_is_applied_when_the_link_comes(
    client: TestClient, stripe_on: Container
) -> None:
    """Since API 2025-03-31 a charge names no invoice: a refund before `invoice_payment.paid` waits for it."""
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    assert post_hook(client, invoice_paid("evt_1", cus, "in_1", start=nov, end=dec))[1]["outcome"] == "applied_payment"
    refund = charge_refunded("evt_2", cus, None, 400, charge="ch_9", intent="pi_1")
    assert post_hook(client, refund)[1]["outcome"] == "refund_pending"
    assert _pool(stripe_on, "2026-11") == 999
    assert post_hook(client, invoice_payment_paid("evt_3", "in_1", "pi_1"))[1]["outcome"] == "applied_payment_link"
    assert _pool(stripe_on, "2026-11") == 599


def dispute_closed(event_id: str, status: str, amount: int, *, charge: str = "ch_1", intent: str = "pi_1") -> bytes:
    obj = {
        "id": f"dp_{event_id}", "object": "dispute", "amount": amount, "charge": charge, "payment_intent": intent,
        "currency": "eur", "status": status,
    }  # fmt: skip
    return json.dumps(
        {"id": event_id, "object": "event", "type": "charge.dispute.closed", "created": _ts(2026, 11),
         "data": {"object": obj}}
    ).encode()  # fmt: skip


def test_a_lost_dispute_comes_off_like_a_refund_and_a_won_one_does_not(
    client: TestClient, stripe_on: Container
) -> None:
    """review14b #2c: a chargeback the operator lost is money given back; it adds to the charge's refunds."""
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    post_hook(client, invoice_paid("evt_1", cus, "in_1", start=nov, end=dec))
    post_hook(client, invoice_paid("evt_2", cus, "in_2", start=dec, end=_ts(2027, 1)))
    post_hook(client, invoice_payment_paid("evt_3", "in_1", "pi_1"))
    post_hook(client, invoice_payment_paid("evt_4", "in_2", "pi_2"))
    assert post_hook(client, charge_refunded("evt_5", cus, None, 100, intent="pi_1"))[1]["outcome"] == "applied_refund"
    assert post_hook(client, dispute_closed("evt_6", "lost", 899))[1]["outcome"] == "applied_refund"
    won = dispute_closed("evt_7", "won", 999, charge="ch_2", intent="pi_2")
    assert post_hook(client, won)[1]["outcome"] == "ignored_no_customer"
    assert (_pool(stripe_on, "2026-11"), _pool(stripe_on, "2026-12")) == (0, 999)


def test_a_payment_in_another_currency_is_not_counted_but_said(
    client: TestClient, stripe_on: Container, caplog: pytest.LogCaptureFixture
) -> None:
    """review14b #5: a USD payment under EUR statements adds nothing, and the operator is told."""
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    raw = json.loads(invoice_paid("evt_1", cus, "in_1", start=nov, end=dec))
    raw["data"]["object"]["currency"] = "usd"
    assert post_hook(client, json.dumps(raw).encode())[1]["outcome"] == "applied_payment"
    with caplog.at_level(logging.WARNING, logger="encore.labels"), stripe_on.sessions() as s:
        money = month_money(
            s, terms=TERMS, start=datetime(2026, 11, 1, tzinfo=UTC), end=datetime(2026, 12, 1, tzinfo=UTC)
        )
    assert (money.subscription_cents, money.other_currency_payments) == (0, 1)
    assert "1 payment(s) in USD" in caplog.text and "statements are in EUR" in caplog.text
    # The probe of session 15: the log alone told no one; the statement's notes (its page and JSON) say it too.
    with stripe_on.sessions() as s:
        november = labels.compute_month(s, month="2026-11", terms=TERMS)
        notes = labels.pool_notes(november)
        assert labels.pool_notes(labels.for_label(november, 1)) == notes  # a label's own view says it too (review15)
        december = labels.pool_notes(labels.compute_month(s, month="2026-12", terms=TERMS))
    said = "1 Premium payment(s) covering 2026-11 were received in another currency than this statement's (EUR)"
    assert any(said in n for n in notes) and not any("another currency" in n for n in december)


def test_a_currency_that_is_not_three_letters_is_refused(client: TestClient, stripe_on: Container) -> None:
    """The probe of session 15: a signed invoice in "EURO" was cut to EUR and counted; Stripe sends ISO 4217."""
    cus = _customer_of(stripe_on, client, "alice")
    nov, dec = _ts(2026, 11), _ts(2026, 12)
    for n, bad in enumerate(("EURO", "eu", "€ur", "e1r", "", "eur ")):
        raw = json.loads(invoice_paid(f"evt_{n}", cus, f"in_{n}", start=nov, end=dec))
        raw["data"]["object"]["currency"] = bad
        status, body = post_hook(client, json.dumps(raw).encode())
        assert status == 400 and body["error"]["code"] == "bad_event", bad
    assert _pool(stripe_on, "2026-11") == 0
    ok = invoice_paid("evt_ok", cus, "in_ok", start=nov, end=dec)
    assert post_hook(client, ok)[1]["outcome"] == "applied_payment"
    assert _pool(stripe_on, "2026-11") == 999
