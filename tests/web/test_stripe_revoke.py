"""probe20 F1: the admin's "Revoke Premium" on a card subscriber, with stripe's own client against the offline stub.

Revoking wrote `expired` over the Stripe row and never told Stripe: the card went on charging for a period that
gave nothing, checkout then made a second Stripe subscription beside the first, and the first's next renewal
put Premium back, undoing the operator's decision a month later. A card subscription is Stripe's to end: the
revoke is refused (409 `card_subscription`, as a grant is) with what to do instead, the row and Stripe are left
as they were, and once Stripe says the subscription ended (the operator cancelled it in the dashboard) nothing
of it brings Premium back."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from tests.support.stripe_stub import StubStripe
from tests.web.test_stripe_api import post_hook, sub_event
from tests.web.test_stripe_one_premium import _alice_id, _checkouts, _h, _pages_made, _row, stripe_on, stub

__all__ = ["stripe_on", "stub"]
DAY = 86_400


def _revoke(client: TestClient, container: Container) -> tuple[int, dict[str, object]]:
    r = client.delete(f"/api/admin/users/{_alice_id(container)}/premium", headers=_h(client, "root"))
    return r.status_code, r.json()


def _me(client: TestClient) -> dict[str, object]:
    return dict(client.get("/api/me/subscription", headers=_h(client, "alice")).json())


# What Stripe last said of alice's one subscription sub_A: it renews (or retries the card), or runs to its end.
STANDING = {
    "active": {"status": "active"},
    "trialing": {"status": "trialing", "trial_end_in": 7 * DAY},
    "past_due": {"status": "past_due"},
    "cancelled_to_period_end": {"status": "active", "cancel_at_period_end": True},
    "renewal_late": {"status": "active", "period_end_in": -3600},  # its period over, the renewal's event not here
    "past_due_past_grace": {"status": "past_due", "period_end_in": -5 * DAY},  # Stripe still retries the card
}


@pytest.mark.parametrize("standing", list(STANDING))
def test_revoking_a_standing_card_subscription_is_refused_and_changes_nothing(
    client: TestClient, stripe_on: Container, stub: StubStripe, standing: str
) -> None:
    said = dict(STANDING[standing])
    status = str(said.pop("status"))
    cus = _checkouts(client, stripe_on, 1)
    now = int(time.time())
    extra: dict[str, object] = {}
    if "period_end_in" in said:
        extra["current_period_end"] = now + int(str(said["period_end_in"]))
    if "trial_end_in" in said:
        extra["trial_end"] = now + int(str(said["trial_end_in"]))
    if said.get("cancel_at_period_end"):
        extra.update(cancel_at_period_end=True, canceled_at=now)
    applied = post_hook(client, sub_event("evt_a", cus, status, created=now, sub_id="sub_A", **extra))[1]["outcome"]
    assert str(applied).startswith("applied_")
    before = _row(stripe_on)
    made = len(stub.requests)

    code, body = _revoke(client, stripe_on)
    assert code == 409, body
    error = body["error"]
    assert isinstance(error, dict) and error["code"] == "card_subscription"
    assert "Stripe's dashboard" in error["message"] and "Manage subscription" in error["message"]
    after = _row(stripe_on)
    assert (after.provider, after.state, after.period_end, after.provider_subscription_id) == (
        before.provider, before.state, before.period_end, "sub_A",
    )  # fmt: skip
    assert len(stub.requests) == made  # nothing asked of Stripe: the operator ends it there


@pytest.mark.parametrize("standing", ["active", "renewal_late"])
def test_no_second_card_subscription_while_the_first_is_charged(
    client: TestClient, stripe_on: Container, stub: StubStripe, standing: str
) -> None:
    """The checkout guard asks the same rule: a card subscription charged again (even past its period's end,
    its renewal's event late: the listener is free meanwhile) is not joined by a second one."""
    cus = _checkouts(client, stripe_on, 1)
    stub.checkout_sessions[-1]["status"] = "complete"  # the first page was paid
    now = int(time.time())
    extra = {"current_period_end": now - 3600} if standing == "renewal_late" else {}
    post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A", **extra))
    assert _revoke(client, stripe_on)[0] == 409
    pages = _pages_made(stub)
    r = client.post("/api/me/subscription/checkout", json={}, headers=_h(client, "alice"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_subscribed", r.text
    assert _pages_made(stub) == pages  # no second subscription's page made at Stripe


def test_once_stripe_ends_it_premium_ends_and_no_later_word_of_it_brings_premium_back(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """What the refusal tells the operator to do: cancel in Stripe's dashboard. Stripe's deletion ends Premium;
    the revoke then goes through (nothing left to fight it), and a renewal of the ended subscription, delivered
    late or stamped in the deletion's second, does not undo it."""
    cus = _checkouts(client, stripe_on, 1)
    now = int(time.time())
    post_hook(client, sub_event("evt_a", cus, "active", created=now - 50, sub_id="sub_A"))
    assert _revoke(client, stripe_on)[0] == 409
    deleted = sub_event("evt_a_del", cus, "canceled", created=now, sub_id="sub_A", ended_at=now, canceled_at=now)
    assert post_hook(client, deleted)[1]["outcome"] == "applied_expired"
    code, body = _revoke(client, stripe_on)
    assert code == 200 and (body["tier"], body["state"]) == ("free", "expired")
    renewed = sub_event("evt_a_renew", cus, "active", created=now, sub_id="sub_A", current_period_end=now + 30 * DAY)
    assert post_hook(client, renewed)[1]["outcome"] == "subscription_ended"
    assert _me(client)["tier"] == "free"
    # a subscription the listener starts anew is theirs
    stub.checkout_sessions[-1]["status"] = "complete"
    assert client.post("/api/me/subscription/checkout", json={}, headers=_h(client, "alice")).status_code == 200
    new = sub_event("evt_b", cus, "active", created=now + 1, sub_id="sub_B")
    assert post_hook(client, new)[1]["outcome"] == "applied_active"
    assert _me(client)["tier"] == "premium"


def test_revoking_given_premium_still_ends_it_at_once(client: TestClient, stripe_on: Container) -> None:
    """A grant, a code or a trial is Encore's own: revoked at once, as before; so is a card subscription's
    Premium that Stripe already ended."""
    alice = _alice_id(stripe_on)
    root = _h(client, "root")
    assert client.put(f"/api/admin/users/{alice}/premium", json={"days": 30}, headers=root).status_code == 200
    code, body = _revoke(client, stripe_on)
    assert code == 200 and (body["tier"], body["provider"]) == ("free", "manual")
    end = _row(stripe_on).period_end
    assert end is not None and end <= datetime.now(UTC) + timedelta(seconds=1)
