"""A refund Stripe refuses (review21c F6). Encore ends a card subscription it will not apply and refunds its
newest payment; Stripe refuses the refund of a disputed charge for good, and the webhook answered 502 on every
redelivery for Stripe's three days, the event never recorded. A lasting refusal is now recorded where the
operator sees it (audit `billing.refund_not_made`) and the event goes on; one that passes still refuses the
delivery, so Stripe brings it again. With stripe's own client against the offline stub."""

import json
import logging
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from tests.support.stripe_stub import StubStripe
from tests.web.test_stripe_api import post_hook, sub_event
from tests.web.test_stripe_one_premium import _at_stripe, _checkouts, _code, _h, _paid_invoice, _status, stripe_on, stub

__all__ = ["stripe_on", "stub"]


def _unwanted_paid(client: TestClient, container: Container, stub: StubStripe, *, age_h: int = 0) -> bytes:
    """alice holds a year's code; a checkout page she had opened before is paid (sub_A, invoice in_A paid by
    pi_A): the event Encore ends sub_A for, and refunds pi_A; made `age_h` hours ago (Stripe still redelivering)."""
    cus = _checkouts(client, container, 1)
    r = client.post("/api/me/subscription/redeem", json={"code": _code(client, 365)}, headers=_h(client, "alice"))
    assert r.status_code == 200, r.text
    now = int(time.time()) - age_h * 3600
    _at_stripe(stub, "sub_A", cus, "active", created=now)
    _paid_invoice(stub, "in_A", "sub_A", cus, paid=999, payment_intent="pi_A")
    return sub_event("evt_paid", cus, "active", created=now, sub_id="sub_A")


def _not_made(client: TestClient) -> list[dict[str, Any]]:
    r = client.get("/api/admin/audit", params={"kind": "billing"}, headers=_h(client, "root"))
    assert r.status_code == 200, r.text
    return [{k: e[k] for k in ("kind", "actor", "subject", "details")} for e in r.json()["items"]]


@pytest.mark.parametrize(("status", "code"), [(400, "charge_disputed"), (400, "refund_disputed_payment")])
def test_a_disputed_charge_is_recorded_unrefunded_and_the_event_goes_on(
    client: TestClient,
    stripe_on: Container,
    stub: StubStripe,
    caplog: pytest.LogCaptureFixture,
    status: int,
    code: str,
) -> None:
    event = _unwanted_paid(client, stripe_on, stub)
    stub.refuse_refund["pi_A"] = (status, code)
    with caplog.at_level(logging.WARNING):
        answer, body = post_hook(client, event)
    assert (answer, body["outcome"]) == (200, "cancelled_under_longer_premium")
    assert _status(stub, "sub_A") == "canceled" and stub.refunds == []  # ended all the same; nothing refunded
    said = {"invoice": "in_A", "subscription": "sub_A", "reason": code}
    recorded = {"kind": "billing.refund_not_made", "actor": None, "subject": "alice", "details": said}
    assert _not_made(client) == [recorded]
    assert any("in_A" in r.getMessage() and code in r.getMessage() for r in caplog.records), caplog.text
    # the listener's own security log shows it too
    mine = client.get("/api/me/security/events", headers=_h(client, "alice")).json()["items"]
    assert [e["details"] for e in mine if e["kind"] == "billing.refund_not_made"] == [said]
    # Stripe delivering it again (a lost 2xx) finds it handled: recorded once, asked of Stripe once
    assert post_hook(client, event)[1]["outcome"] == "duplicate"
    assert len(_not_made(client)) == 1
    # a duplicate is answered before any call to Stripe (review23 F1): no refund asked again, nothing cancelled
    assert len([p for p, _b, _h in stub.requests if p == "/v1/refunds"]) == 1


@pytest.mark.parametrize(("status", "code"), [(400, "balance_insufficient"), (429, "lock_timeout"), (500, "api_error")])
def test_a_refusal_that_passes_refuses_the_delivery_until_the_refund_is_made(
    client: TestClient, stripe_on: Container, stub: StubStripe, status: int, code: str
) -> None:
    event = _unwanted_paid(client, stripe_on, stub)
    stub.refuse_refund["pi_A"] = (status, code)
    assert post_hook(client, event)[0] == 502  # Stripe delivers it again later
    assert _not_made(client) == [] and stub.refunds == []
    del stub.refuse_refund["pi_A"]
    assert post_hook(client, event)[1]["outcome"] == "cancelled_under_longer_premium"
    assert [r["paid_by"] for r in stub.refunds] == ["pi_A"]
    assert _not_made(client) == []


@pytest.mark.parametrize(
    ("status", "code", "why"),
    [(400, "balance_insufficient", "balance_insufficient"), (403, "", "http_403"), (500, "api_error", "http_500")],
)
def test_a_refusal_that_passes_but_outlasts_its_retries_is_recorded(
    client: TestClient, stripe_on: Container, stub: StubStripe, status: int, code: str, why: str
) -> None:
    """review22m F7: the subscription is cancelled before its refund is asked; a refusal that passes but lasted
    past Stripe's redeliveries left no record at all, and the listener unrefunded. Past 48 hours (by the event's
    `created`) it is recorded as not made, and the delivery answered, while Stripe still delivers it."""
    event = _unwanted_paid(client, stripe_on, stub, age_h=49)
    stub.refuse_refund["pi_A"] = (status, code)
    answer, body = post_hook(client, event)
    assert (answer, body["outcome"]) == (200, "cancelled_under_longer_premium"), body
    assert _status(stub, "sub_A") == "canceled" and stub.refunds == []
    said = {"invoice": "in_A", "subscription": "sub_A", "reason": f"{why} (still refused after retries)"}
    recorded = {"kind": "billing.refund_not_made", "actor": None, "subject": "alice", "details": said}
    assert _not_made(client) == [recorded]


def test_a_refusal_that_passes_is_retried_for_47_hours(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    event = _unwanted_paid(client, stripe_on, stub, age_h=47)
    stub.refuse_refund["pi_A"] = (400, "balance_insufficient")
    assert post_hook(client, event)[0] == 502 and _not_made(client) == []


def test_a_refund_refused_for_good_is_recorded_once_per_invoice(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """review22m F4: each other event about the same unwanted subscription (Stripe sends several) asked the refund
    again, got the refusal replayed, and wrote one more audit row and warning for the same invoice."""
    event = _unwanted_paid(client, stripe_on, stub)
    stub.refuse_refund["pi_A"] = (400, "charge_disputed")
    assert post_hook(client, event)[0] == 200
    customer = json.loads(event)["data"]["object"]["customer"]
    for n in (1, 2):
        later = sub_event(f"evt_updated_{n}", customer, "active", created=int(time.time()) + n, sub_id="sub_A")
        assert post_hook(client, later)[0] == 200
    assert len(_not_made(client)) == 1
