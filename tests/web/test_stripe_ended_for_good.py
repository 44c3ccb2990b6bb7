"""probe20 F7: a deleted Stripe subscription never comes back to life, whatever the time of a later event.

Stripe stamps events in whole seconds and does not order deliveries; only an event older than the last applied
was refused, so an `updated: active` of the deletion's second, delivered after it, gave a month of Premium that
nobody paid for. Once a subscription id is applied as ended for good (`canceled`), no event of that id makes it
live again; a new subscription id may, and a subscription that is `unpaid` or `paused` (not ended: Stripe
revives those) still comes back when paid or resumed. Signed webhooks through the app, as Stripe sends them."""

import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.billing import Subscription, parse_event
from encore.billing._checkout import apply_event
from encore.bootstrap import Container
from encore.db import transaction
from tests.support.stripe_stub import PRICE, StubStripe
from tests.web.test_stripe_api import post_hook, sub_event
from tests.web.test_stripe_one_premium import _alice_id, _checkouts, _h, _row, stripe_on, stub

__all__ = ["stripe_on", "stub"]
DAY = 86_400


def _me(client: TestClient) -> tuple[str, str]:
    me = client.get("/api/me/subscription", headers=_h(client, "alice")).json()
    return me["tier"], me["state"]


def _created(cus: str, at: int, sub_id: str = "sub_o") -> bytes:
    """`customer.subscription.created`, as the probe sent it first."""
    return sub_event(f"evt_created_{sub_id}", cus, "active", created=at, sub_id=sub_id).replace(
        b"customer.subscription.updated", b"customer.subscription.created"
    )


def _deleted(cus: str, at: int, sub_id: str = "sub_o", event_id: str = "evt_deleted") -> bytes:
    return sub_event(event_id, cus, "canceled", created=at, sub_id=sub_id, ended_at=at, canceled_at=at)


def test_the_probes_sequence_leaves_the_subscription_ended(client: TestClient, stripe_on: Container) -> None:
    """py/stripe3.py: created T-50, deleted T, then `updated: active` stamped T-1 and T (delivered late)."""
    cus = _checkouts(client, stripe_on, 1)
    t = int(time.time()) - 100
    outcomes = [
        post_hook(client, payload)[1]["outcome"]
        for payload in (
            _created(cus, t - 50),
            _deleted(cus, t),
            sub_event("evt_u1", cus, "active", created=t - 1, sub_id="sub_o"),
            sub_event("evt_u2", cus, "active", created=t, sub_id="sub_o"),
        )
    ]
    assert outcomes == ["applied_active", "applied_expired", "subscription_ended", "subscription_ended"]
    assert _me(client) == ("free", "expired")
    row = _row(stripe_on)
    assert (row.state, row.provider_subscription_id, row.provider_ended_subscription_id) == (
        "expired",
        "sub_o",
        "sub_o",
    )


@pytest.mark.parametrize("order", ["deleted_first", "updated_first"])
@pytest.mark.parametrize("status", ["active", "trialing", "past_due"])
def test_a_deletion_and_a_live_event_of_the_same_second_end_it_in_either_order(
    client: TestClient, stripe_on: Container, order: str, status: str
) -> None:
    cus = _checkouts(client, stripe_on, 1)
    t = int(time.time())
    post_hook(client, _created(cus, t - 50))
    live = sub_event("evt_live", cus, status, created=t, sub_id="sub_o", trial_end=t + 7 * DAY)
    first, second = (_deleted(cus, t), live) if order == "deleted_first" else (live, _deleted(cus, t))
    said = [post_hook(client, first)[1]["outcome"], post_hook(client, second)[1]["outcome"]]
    expected = {
        "deleted_first": ["applied_expired", "subscription_ended"],
        "updated_first": [f"applied_{status}", "applied_expired"],
    }
    assert said == expected[order]
    assert _me(client) == ("free", "expired")


def test_no_later_event_of_an_ended_subscription_revives_it(client: TestClient, stripe_on: Container) -> None:
    """Even stamped after the deletion: Stripe never sends a live word of a subscription it deleted, so one that
    says so is stale (delivered late, its time in another second), whatever its time."""
    cus = _checkouts(client, stripe_on, 1)
    t = int(time.time())
    post_hook(client, _created(cus, t - 50))
    post_hook(client, _deleted(cus, t))
    for n, status in enumerate(["active", "trialing", "past_due", "incomplete"], start=1):
        outcome = post_hook(client, sub_event(f"evt_later_{n}", cus, status, created=t + n, sub_id="sub_o"))[1]
        assert outcome["outcome"] in ("subscription_ended", "awaiting_first_payment"), (status, outcome)
    assert _me(client) == ("free", "expired")
    # its deletion told again changes nothing either
    assert post_hook(client, _deleted(cus, t + 9, event_id="evt_deleted_again"))[1]["outcome"] == "applied_expired"
    assert _me(client) == ("free", "expired")


def test_a_new_subscription_after_the_deletion_is_applied(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    cus = _checkouts(client, stripe_on, 1)
    t = int(time.time())
    post_hook(client, _created(cus, t - 50))
    post_hook(client, _deleted(cus, t))
    assert post_hook(client, _created(cus, t, sub_id="sub_new"))[1]["outcome"] == "applied_active"
    assert _me(client) == ("premium", "active")
    # the old one's stale word, once the new one is held, is still refused and ends nothing at Stripe
    stale = sub_event("evt_stale", cus, "active", created=t + 1, sub_id="sub_o", cancel_at_period_end=True)
    assert post_hook(client, stale)[1]["outcome"] == "subscription_ended"
    assert [p for p, _q, _h in stub.requests if p.startswith("/v1/subscriptions/")] == []
    assert _row(stripe_on).provider_subscription_id == "sub_new"


@pytest.mark.parametrize("status", ["unpaid", "paused"])
def test_an_unpaid_or_paused_subscription_comes_back_when_paid_or_resumed(
    client: TestClient, stripe_on: Container, status: str
) -> None:
    """Not ended for good: Stripe makes the same subscription active again once its invoice is paid or it is
    resumed, and the listener who paid has Premium again."""
    cus = _checkouts(client, stripe_on, 1)
    t = int(time.time())
    post_hook(client, _created(cus, t - 50))
    assert post_hook(client, sub_event("evt_stop", cus, status, created=t, sub_id="sub_o"))[1]["outcome"] == (
        "applied_expired"
    )
    assert _me(client)[0] == "free"
    assert post_hook(client, sub_event("evt_back", cus, "active", created=t, sub_id="sub_o"))[1]["outcome"] == (
        "applied_active"
    )
    assert _me(client) == ("premium", "active")
    assert _row(stripe_on).provider_ended_subscription_id is None


def test_a_grant_after_the_deletion_is_not_overwritten_by_the_ended_subscription(
    client: TestClient, stripe_on: Container
) -> None:
    """The operator grants a week once Stripe ended the card subscription; a late `active` of the ended one (its
    period longer than the week) wrote the card's row over the grant."""
    cus = _checkouts(client, stripe_on, 1)
    t = int(time.time())
    post_hook(client, _created(cus, t - 50))
    post_hook(client, _deleted(cus, t))
    r = client.put(f"/api/admin/users/{_alice_id(stripe_on)}/premium", json={"days": 7}, headers=_h(client, "root"))
    assert r.status_code == 200
    late = sub_event("evt_late", cus, "active", created=t, sub_id="sub_o")
    assert post_hook(client, late)[1]["outcome"] == "subscription_ended"
    assert _row(stripe_on).provider == "manual"


def test_the_backfill_does_not_revive_it_either(client: TestClient, stripe_on: Container) -> None:
    """Decided where every provider event is applied (`apply_event`), not only in the webhook's handler."""
    cus = _checkouts(client, stripe_on, 1)
    t = int(time.time())
    post_hook(client, _created(cus, t - 50))
    post_hook(client, _deleted(cus, t))
    event = parse_event(
        {
            "id": "backfill_sub_o", "type": "customer.subscription.updated", "created": t,
            "data": {"object": {
                "id": "sub_o", "object": "subscription", "customer": cus, "status": "active",
                "cancel_at_period_end": False,
                "items": {"data": [{"price": {"id": PRICE}, "current_period_end": t + 30 * DAY}]},
            }},
        },
        price_id=PRICE,
    )  # fmt: skip
    with transaction(stripe_on.sessions) as s:
        assert apply_event(s, provider="stripe", event=event, plan="premium", now=datetime.now(UTC)) == (
            "subscription_ended"
        )
    with stripe_on.sessions() as s:
        assert s.scalar(select(Subscription.state)) == "expired"
