"""A cancel Stripe refuses. Encore ends a card subscription it will not apply (`billing.unwanted`); when Stripe
refuses that cancel (or cannot be reached) the delivery is refused so that Stripe brings it again, but nothing was
recorded: the operator never learnt that a listener's card could be charged for Premium they already had. Now
the refusal is in the audit log with Stripe's reason, once per subscription. With stripe's own client against the
offline stub."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from tests.support.stripe_stub import StubStripe
from tests.web.test_stripe_api import post_hook
from tests.web.test_stripe_one_premium import _h, _status, stripe_on, stub
from tests.web.test_stripe_refund_refused import _unwanted_paid

__all__ = ["stripe_on", "stub"]


def _billing_events(client: TestClient) -> list[dict[str, Any]]:
    r = client.get("/api/admin/audit", params={"kind": "billing"}, headers=_h(client, "root"))
    assert r.status_code == 200, r.text
    return [{k: e[k] for k in ("kind", "actor", "subject", "details")} for e in r.json()["items"]]


def _cancels(stub: StubStripe) -> int:
    return len([p for p, _b, _h in stub.requests if p == "/v1/subscriptions/sub_A"])


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [(400, "subscription_locked", "subscription_locked"), (500, "", "http_500"), (403, "", "http_403")],
)
def test_a_refused_cancel_is_recorded_with_its_reason_and_the_delivery_refused(
    client: TestClient, stripe_on: Container, stub: StubStripe, status: int, code: str, reason: str
) -> None:
    event = _unwanted_paid(client, stripe_on, stub)
    stub.refuse_cancel["sub_A"] = (status, code)
    answer, _body = post_hook(client, event)
    assert answer == 502  # Stripe delivers it again later, and the cancel is asked again
    assert _status(stub, "sub_A") == "active" and stub.refunds == []  # not ended, so nothing refunded yet
    said = {"subscription": "sub_A", "reason": reason, "why": "under_longer_premium"}
    recorded = {"kind": "billing.cancel_refused", "actor": None, "subject": "alice", "details": said}
    assert _billing_events(client) == [recorded]
    mine = client.get("/api/me/security/events", headers=_h(client, "alice")).json()["items"]
    assert [e["details"] for e in mine if e["kind"] == "billing.cancel_refused"] == [said]
    # redelivered while Stripe still refuses: asked again (stripe's client retries a 5xx itself), recorded once
    asked = _cancels(stub)
    assert post_hook(client, event)[0] == 502
    assert _cancels(stub) > asked
    assert _billing_events(client) == [recorded]
    # once Stripe takes it, the event goes on as it would have: ended, refunded, nothing more recorded
    del stub.refuse_cancel["sub_A"]
    answer, body = post_hook(client, event)
    assert (answer, body["outcome"]) == (200, "cancelled_under_longer_premium"), body
    assert _status(stub, "sub_A") == "canceled" and [r["paid_by"] for r in stub.refunds] == ["pi_A"]
    assert _billing_events(client) == [recorded]


def test_stripe_unreachable_for_a_cancel_is_recorded_as_unreachable(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    event = _unwanted_paid(client, stripe_on, stub)
    stub.hang_up = True
    try:
        assert post_hook(client, event)[0] == 502
    finally:
        stub.hang_up = False
    (event_seen,) = _billing_events(client)
    assert event_seen["kind"] == "billing.cancel_refused" and event_seen["details"]["reason"] == "unreachable"
