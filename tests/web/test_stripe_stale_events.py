"""review23 F1: an old event of a subscription the listener left for a new one, delivered again or late, with
stripe's own client against the offline stub.

alice held sub_A (paid in_A), cancelled it to its period's end, and bought sub_B, which Encore applied. An
event of sub_A then came again (a duplicate) or for the first time (Stripe does not order deliveries). It was
judged against the row as it is now, a second subscription beside sub_B: sub_A was cancelled at once and in_A,
a payment for days alice had and labels were paid from, refunded in full; a duplicate still said "duplicate"."""

import time

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from tests.support.stripe_stub import StubStripe
from tests.web.test_stripe_api import post_hook, sub_event
from tests.web.test_stripe_one_premium import (
    _at_stripe,
    _checkouts,
    _deletes,
    _paid_invoice,
    _row,
    _status,
    stripe_on,
    stub,
)

__all__ = ["stripe_on", "stub"]


def _left_a_for_b(client: TestClient, stripe_on: Container, stub: StubStripe, now: int) -> str:
    """alice's sub_A applied and paid, cancelled to its period's end, then sub_B bought and applied."""
    cus = _checkouts(client, stripe_on, 2)
    _at_stripe(stub, "sub_A", cus, "active", created=now)
    _paid_invoice(stub, "in_A", "sub_A", cus, paid=999, payment_intent="pi_A")
    assert post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))[1]["outcome"] == (
        "applied_active"
    )
    cancel = sub_event("evt_a2", cus, "active", created=now + 1, sub_id="sub_A", cancel_at_period_end=True)
    assert post_hook(client, cancel)[1]["outcome"] == "applied_canceled"
    stub.lists["/v1/subscriptions"][0]["cancel_at_period_end"] = True
    _at_stripe(stub, "sub_B", cus, "active", created=now + 2)
    _paid_invoice(stub, "in_B", "sub_B", cus, paid=999, payment_intent="pi_B")
    assert post_hook(client, sub_event("evt_b", cus, "active", created=now + 2, sub_id="sub_B"))[1]["outcome"] == (
        "applied_active"
    )
    return cus


def _untouched(stripe_on: Container, stub: StubStripe) -> None:
    assert stub.refunds == [], "a payment for a period the listener had was refunded"
    assert _deletes(stub) == [] and _status(stub, "sub_A") == "active"
    row = _row(stripe_on)
    assert (row.provider_subscription_id, row.state) == ("sub_B", "active")


def test_a_duplicate_of_an_old_event_asks_nothing_of_stripe(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    now = int(time.time())
    cus = _left_a_for_b(client, stripe_on, stub, now)
    asked = len(stub.requests)
    again = post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
    assert again == (200, {"received": True, "outcome": "duplicate"})
    _untouched(stripe_on, stub)
    assert len(stub.requests) == asked  # answered before any call to Stripe


@pytest.mark.parametrize("cancelled", [False, True], ids=["active", "cancelled_to_period_end"])
def test_a_first_delivery_of_an_old_event_after_the_new_subscription(
    client: TestClient, stripe_on: Container, stub: StubStripe, cancelled: bool
) -> None:
    """sub_A's event of its first second (a renewal's update, or the cancellation itself sent as a second event),
    refused while Encore was down, comes for the first time after sub_B was applied: not applied, not ended."""
    now = int(time.time())
    cus = _left_a_for_b(client, stripe_on, stub, now)
    late = sub_event("evt_a_late", cus, "active", created=now + 1, sub_id="sub_A", cancel_at_period_end=cancelled)
    code, body = post_hook(client, late)
    assert code == 200 and body["outcome"] in ("older_than_applied", "earlier_subscription"), body
    _untouched(stripe_on, stub)


def test_a_newer_event_of_the_subscription_left_running_out_is_neither_applied_nor_ended(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """sub_A changes at Stripe after sub_B was applied (a card updated), still cancelled to its period's end: it
    charges nothing more, and the row stays with the one that renews."""
    now = int(time.time())
    cus = _left_a_for_b(client, stripe_on, stub, now)
    newer = sub_event("evt_a3", cus, "active", created=now + 3, sub_id="sub_A", cancel_at_period_end=True)
    assert post_hook(client, newer)[1]["outcome"] == "earlier_subscription"
    _untouched(stripe_on, stub)


def test_two_paid_checkouts_delivered_newest_first_still_end_the_second_to_come(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """review19 F2 out of order: sub_B's event came first and was applied; sub_A, older but never held, is the
    second one to come and is ended and refunded. Its creation's time alone cannot tell it from sub_A of the
    tests above."""
    cus = _checkouts(client, stripe_on, 2)
    now = int(time.time())
    _at_stripe(stub, "sub_A", cus, "active", created=now)
    _at_stripe(stub, "sub_B", cus, "active", created=now + 1)
    _paid_invoice(stub, "in_A", "sub_A", cus, paid=999, payment_intent="pi_A")
    assert post_hook(client, sub_event("evt_b", cus, "active", created=now + 1, sub_id="sub_B"))[1]["outcome"] == (
        "applied_active"
    )
    code, body = post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
    assert (code, body["outcome"]) == (200, "cancelled_second_subscription")
    assert (_status(stub, "sub_A"), _status(stub, "sub_B")) == ("canceled", "active")
    assert [r["paid_by"] for r in stub.refunds] == ["pi_A"]
    assert _row(stripe_on).provider_subscription_id == "sub_B"
