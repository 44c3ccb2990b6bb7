"""The Stripe adapter through the API, offline: stripe's own client talks to a stub on 127.0.0.1, and
webhook payloads are signed here with the test secret, exactly as Stripe signs them."""

import hashlib
import hmac
import json
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from encore.accounts import Role, User, create_user
from encore.billing import BillingCustomer, ProcessedEvent, Subscription
from encore.bootstrap import Container
from encore.db import transaction
from tests.catalog import factories as f
from tests.support.stripe_stub import HOOK_SECRET, PRICE, StubStripe, running
from tests.web.conftest import PASSWORD, login


@pytest.fixture
def stub() -> Iterator[StubStripe]:
    with running(StubStripe()) as server:
        yield server


@pytest.fixture
def stripe_on(container: Container, stub: StubStripe) -> Container:
    container.settings = container.settings.model_copy(update=stub.settings())
    with transaction(container.sessions) as s:
        for name in ("alice", "bob"):
            create_user(s, username=name, password=PASSWORD)
    return container


def _h(client: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, name)}"}


def sign(payload: bytes, *, secret: str = HOOK_SECRET, at: int | None = None) -> str:
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def sub_event(
    event_id: str,
    customer: str,
    status: str,
    *,
    created: int,
    sub_id: str = "sub_1",
    price: str = PRICE,
    **extra: object,
) -> bytes:
    period_end = created + 30 * 86_400
    obj = {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": False,
        "items": {
            "object": "list",
            "data": [{"id": "si_1", "current_period_end": period_end, "price": {"id": price, "object": "price"}}],
        },
        "metadata": {},
        **extra,
    }
    kind = "customer.subscription.deleted" if status == "canceled" else "customer.subscription.updated"
    return json.dumps(
        {"id": event_id, "object": "event", "type": kind, "created": created, "data": {"object": obj}}
    ).encode()


def post_hook(client: TestClient, payload: bytes, signature: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature or sign(payload)}
    r = client.post("/api/webhooks/stripe", content=payload, headers=headers)
    return r.status_code, r.json()


def _customer_of(container: Container, client: TestClient, name: str) -> str:
    """Open a checkout for `name` (which binds a Stripe customer to them) and return that customer id."""
    assert client.post("/api/me/subscription/checkout", json={}, headers=_h(client, name)).status_code == 200
    with container.sessions() as s:
        cid = s.scalar(
            select(BillingCustomer.customer_id)
            .join(User, User.id == BillingCustomer.user_id)
            .where(User.username == name)
        )
    assert cid is not None
    return cid


def _tier(client: TestClient, name: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/api/me/subscription", headers=_h(client, name)).json()
    return body


def test_checkout_is_offered_only_when_stripe_is_configured(
    client: TestClient, container: Container, listener: str
) -> None:
    h = _h(client, listener)
    assert client.get("/api/me/subscription", headers=h).json()["checkout_available"] is False
    r = client.post("/api/me/subscription/checkout", json={}, headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "checkout_unavailable"
    assert client.post("/api/webhooks/stripe", content=b"{}").status_code == 404
    container.settings = container.settings.model_copy(update={"stripe_secret_key": SecretStr("sk_test_x")})
    assert client.get("/api/me/subscription", headers=h).json()["checkout_available"] is False  # half set up
    container.settings = container.settings.model_copy(
        update={"stripe_webhook_secret": SecretStr(HOOK_SECRET), "stripe_price_id": PRICE}
    )
    assert client.get("/api/me/subscription", headers=h).json()["checkout_available"] is True


def test_checkout_builds_one_customer_and_a_subscription_session(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    h = _h(client, "alice")
    r = client.post("/api/me/subscription/checkout", json={}, headers=h)
    assert r.status_code == 200 and r.json() == {"url": "https://checkout.stripe.com/c/cs_test_1"}
    with stripe_on.sessions() as s:
        alice = s.scalar(select(User).where(User.username == "alice"))
        assert alice is not None
    paths = [p for p, _, _ in stub.requests]
    assert paths == ["/v1/customers", "/v1/checkout/sessions"]
    _, customer, headers = stub.requests[0]
    assert customer["metadata[encore_user]"] == [alice.public_id]
    assert headers["Authorization"] == "Bearer sk_test_offline"
    assert headers["Idempotency-Key"] == f"encore-customer-{alice.public_id}"
    _, session, _ = stub.requests[1]
    base = "http://testserver"  # the address served: no ENCORE_PUBLIC_BASE_URL here (probe22: it was :8000)
    assert session["mode"] == ["subscription"] and session["customer"] == ["cus_1"]
    assert session["line_items[0][price]"] == [PRICE] and session["line_items[0][quantity]"] == ["1"]
    assert session["client_reference_id"] == [alice.public_id]
    assert session["success_url"] == [f"{base}/account?checkout=done"] and session["cancel_url"] == [f"{base}/upgrade"]
    assert "subscription_data[trial_period_days]" not in session  # trials are off by default
    # A second checkout reuses the customer Encore bound to this user, and the page still open (another tab).
    assert client.post("/api/me/subscription/checkout", headers=h).status_code == 200
    assert [p for p, _, _ in stub.requests][2:] == ["/v1/checkout/sessions"]  # a GET: the customer's open pages
    assert stub.requests[2][1]["customer"] == ["cus_1"]  # its newest pages: the open one is handed out
    assert len(stub.checkout_sessions) == 1


def test_a_first_checkout_holds_no_database_lock_while_stripe_answers(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """review19b F3: on SQLite the customer's binding was written before the checkout page was asked for, and its
    write lock held while Stripe answered: every other writer waited for Stripe, and failed past 10 s."""
    if stripe_on.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks the new binding's row only")
    said: list[str] = []

    def another_writer() -> None:  # a play, a scrobble, another listener's request, while Stripe answers
        other = sqlite3.connect(str(stripe_on.engine.url.database), timeout=0.5)
        try:
            other.execute("UPDATE alembic_version SET version_num = version_num")
            other.commit()
            said.append("wrote")
        except sqlite3.OperationalError as exc:
            said.append(str(exc))
        finally:
            other.close()

    stub.during_checkout = another_writer
    assert client.post("/api/me/subscription/checkout", json={}, headers=_h(client, "alice")).status_code == 200
    assert said == ["wrote"]
    with stripe_on.sessions() as s:  # and the customer is bound, to the one the page was made for
        bound = s.scalar(select(BillingCustomer.customer_id))
    assert bound is not None and stub.checkout_sessions[0]["customer"] == bound


def test_checkout_refuses_extra_fields(client: TestClient, stripe_on: Container, stub: StubStripe) -> None:
    h = _h(client, "alice")
    for body in (
        {"price": "price_free"},
        {"success_url": "https://evil.example/steal"},
        {"tier": "premium"},
        {"customer": "cus_someone_else"},
    ):
        assert client.post("/api/me/subscription/checkout", json=body, headers=h).status_code == 422, body
    assert stub.requests == []
    assert _tier(client, "alice")["tier"] == "free"


def test_portal_needs_a_billing_account_and_links_to_stripe(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    h = _h(client, "alice")
    r = client.post("/api/me/subscription/portal", headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_billing_account"
    customer = _customer_of(stripe_on, client, "alice")
    r = client.post("/api/me/subscription/portal", headers=h)
    assert r.status_code == 200 and r.json()["url"] == "https://billing.stripe.com/p/s1"
    path, body, _ = stub.requests[-1]
    assert path == "/v1/billing_portal/sessions" and body["customer"] == [customer]
    assert body["return_url"] == ["http://testserver/account"]  # the address served, not :8000 (probe22)


def test_a_stripe_outage_is_a_clear_error_and_binds_nothing(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    stub.fail = True
    r = client.post("/api/me/subscription/checkout", json={}, headers=_h(client, "alice"))
    assert r.status_code == 502 and r.json()["error"]["code"] == "payment_provider_unavailable"
    said = r.json()["error"]["message"]  # probe18b: not Stripe's words, its support address or the API's host
    assert said.startswith("Payments can't be reached right now") and "stripe" not in said.lower()
    assert stub.api_base.split("//")[1] not in said
    with stripe_on.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BillingCustomer)) == 0


def test_subscription_moves_through_its_states(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    now = int(time.time())
    trial_end = now + 14 * 86_400
    assert post_hook(client, sub_event("evt_1", cus, "trialing", created=now, trial_end=trial_end))[1]["outcome"] == (
        "applied_trialing"
    )
    me = _tier(client, "alice")
    assert (me["tier"], me["state"], me["provider"]) == ("premium", "trialing", "stripe")
    assert post_hook(client, sub_event("evt_2", cus, "active", created=now + 1))[1]["outcome"] == "applied_active"
    assert _tier(client, "alice")["state"] == "active"
    assert post_hook(client, sub_event("evt_3", cus, "past_due", created=now + 2))[1]["outcome"] == "applied_past_due"
    assert _tier(client, "alice")["tier"] == "premium"  # card retries: Premium until the period (+grace) ends
    canceled = sub_event("evt_4", cus, "active", created=now + 3, cancel_at_period_end=True, canceled_at=now + 3)
    assert post_hook(client, canceled)[1]["outcome"] == "applied_canceled"
    me = _tier(client, "alice")
    assert (me["tier"], me["state"]) == ("premium", "canceled")  # runs to the end of the paid period
    ended = sub_event("evt_5", cus, "canceled", created=now + 4, ended_at=now + 4, canceled_at=now + 3)
    assert post_hook(client, ended)[1]["outcome"] == "applied_expired"
    me = _tier(client, "alice")
    assert (me["tier"], me["state"]) == ("free", "expired")


def test_a_subscription_to_another_price_grants_nothing(client: TestClient, stripe_on: Container) -> None:
    """#15 hole 10: the webhook never checked the price, so any product on the Stripe account gave Premium."""
    cus = _customer_of(stripe_on, client, "alice")
    now = int(time.time())
    cheap = sub_event("evt_1", cus, "active", created=now, price="price_one_euro_sticker")
    assert post_hook(client, cheap)[1]["outcome"] == "ignored_other_price"
    assert _tier(client, "alice")["tier"] == "free"
    assert post_hook(client, sub_event("evt_2", cus, "active", created=now + 1))[1]["outcome"] == "applied_active"
    assert _tier(client, "alice")["tier"] == "premium"


def test_bad_or_missing_signature_changes_nothing(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    payload = sub_event("evt_forged", cus, "active", created=int(time.time()))
    for signature in (sign(payload, secret="whsec_guessed"), "t=1,v1=deadbeef", "garbage"):
        status, body = post_hook(client, payload, signature)
        assert status == 400 and body["error"]["code"] == "bad_signature", signature
    r = client.post("/api/webhooks/stripe", content=payload, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_signature"
    # Signed, then altered: the signature no longer covers the body.
    tampered = payload.replace(b'"active"', b'"trialing"')
    assert post_hook(client, tampered, sign(payload))[0] == 400
    assert _tier(client, "alice")["tier"] == "free"
    with stripe_on.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


def test_a_stale_timestamp_is_refused(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    payload = sub_event("evt_old", cus, "active", created=int(time.time()) - 3600)
    status, body = post_hook(client, payload, sign(payload, at=int(time.time()) - 3600))
    assert status == 400 and body["error"]["code"] == "bad_signature"
    assert _tier(client, "alice")["tier"] == "free"
    # The same event delivered again now (Stripe re-signs each retry) is accepted.
    assert post_hook(client, payload)[1]["outcome"] == "applied_active"


def test_a_replayed_event_counts_once(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    now = int(time.time())
    active = sub_event("evt_a", cus, "active", created=now)
    assert post_hook(client, active)[1]["outcome"] == "applied_active"
    ended = sub_event("evt_b", cus, "canceled", created=now + 5, ended_at=now + 5)
    assert post_hook(client, ended)[1]["outcome"] == "applied_expired"
    # Replaying the (validly signed, fresh) old "active" delivery does not bring Premium back.
    status, body = post_hook(client, active)
    assert status == 200 and body["outcome"] == "duplicate"
    assert _tier(client, "alice")["tier"] == "free"
    with stripe_on.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedEvent)) == 2


def test_an_older_event_after_a_newer_one_does_not_regress(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    now = int(time.time())
    # unpaid: not ended for good (a deleted one never lives again, whatever the time: test_stripe_ended_for_good)
    assert post_hook(client, sub_event("evt_new", cus, "unpaid", created=now))[1]["outcome"] == "applied_expired"
    late = sub_event("evt_older", cus, "active", created=now - 60)
    assert post_hook(client, late)[1]["outcome"] == "older_than_applied"
    assert _tier(client, "alice")["tier"] == "free"


def test_an_old_subscription_ending_does_not_end_the_current_one(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    now = int(time.time())
    assert post_hook(client, sub_event("evt_n1", cus, "active", created=now, sub_id="sub_new"))[1]["outcome"] == (
        "applied_active"
    )
    old_end = sub_event("evt_o1", cus, "canceled", created=now + 1, sub_id="sub_old", ended_at=now + 1)
    assert post_hook(client, old_end)[1]["outcome"] == "other_subscription_ended"
    assert _tier(client, "alice")["tier"] == "premium"


def test_a_webhook_for_someone_elses_customer_cannot_upgrade_another_account(
    client: TestClient, stripe_on: Container
) -> None:
    alice_cus = _customer_of(stripe_on, client, "alice")
    bob_cus = _customer_of(stripe_on, client, "bob")
    assert alice_cus != bob_cus
    with stripe_on.sessions() as s:
        bob = s.scalar(select(User.public_id).where(User.username == "bob"))
    now = int(time.time())
    # Alice's customer, with Bob's id planted wherever a body can carry it: only Alice moves.
    planted = {"metadata": {"encore_user": bob}, "client_reference_id": bob}
    assert post_hook(client, sub_event("evt_x1", alice_cus, "active", created=now, **planted))[1]["outcome"] == (
        "applied_active"
    )
    assert _tier(client, "alice")["tier"] == "premium"
    assert _tier(client, "bob")["tier"] == "free"
    # A customer id Encore never bound (made outside Encore) upgrades nobody.
    status, body = post_hook(client, sub_event("evt_x2", "cus_unbound", "active", created=now, **planted))
    assert status == 200 and body["outcome"] == "unknown_customer"
    assert _tier(client, "bob")["tier"] == "free"
    with stripe_on.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Subscription)) == 1


def test_a_signed_body_that_is_not_an_event_is_refused(client: TestClient, stripe_on: Container) -> None:
    for payload in (b"not json", b'{"id": "evt_1"}', b"[]"):
        status, body = post_hook(client, payload)
        assert status == 400 and body["error"]["code"] == "bad_event", (payload, body)  # signed right: read, refused


def test_an_oversized_webhook_is_refused_before_it_is_read(client: TestClient, stripe_on: Container) -> None:
    payload = b"{" + b" " * (300 * 1024) + b"}"
    status, body = post_hook(client, payload)
    assert status == 413 and body["error"]["code"] == "too_large"


def test_a_card_subscription_does_not_cut_a_longer_granted_premium_short(
    client: TestClient, stripe_on: Container
) -> None:
    with transaction(stripe_on.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        alice = s.scalar(select(User.public_id).where(User.username == "alice"))
    admin = _h(client, "root")
    cus = _customer_of(stripe_on, client, "alice")  # she opened a checkout before the grant
    assert client.put(f"/api/admin/users/{alice}/premium", json={"days": 365}, headers=admin).status_code == 200
    now = int(time.time())
    ended = sub_event("evt_k1", cus, "canceled", created=now, ended_at=now)
    assert post_hook(client, ended)[1]["outcome"] == "kept_longer_premium"
    me = _tier(client, "alice")
    assert (me["tier"], me["provider"]) == ("premium", "manual")


def test_incomplete_in_the_same_second_after_active_keeps_premium(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    now = int(time.time())
    assert post_hook(client, sub_event("evt_a", cus, "active", created=now))[1]["outcome"] == "applied_active"
    late = sub_event("evt_i", cus, "incomplete", created=now)  # the subscription's creation, delivered late
    assert post_hook(client, late)[1]["outcome"] == "awaiting_first_payment"
    assert _tier(client, "alice")["tier"] == "premium"


def test_no_checkout_while_premium_from_a_grant_runs(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """A checkout now would bill the card while the granted Premium runs (and again for a second tab)."""
    with transaction(stripe_on.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        alice = s.scalar(select(User.public_id).where(User.username == "alice"))
    grant = client.put(f"/api/admin/users/{alice}/premium", json={"days": 30}, headers=_h(client, "root"))
    assert grant.status_code == 200
    r = client.post("/api/me/subscription/checkout", json={}, headers=_h(client, "alice"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_premium"
    assert stub.requests == []  # no customer, no session made at Stripe


def test_a_label_account_is_not_sent_to_checkout(client: TestClient, stripe_on: Container, stub: StubStripe) -> None:
    """The upgrade page tells a label account it needs no Premium; the API still made it a Stripe customer and a
    checkout (probe18b). Refused before Stripe is asked; nothing bound."""
    with transaction(stripe_on.sessions) as s:
        label = f.label(s, "Harbour Records")
        create_user(s, username="harbour", password=PASSWORD).label_id = label.id
    r = client.post("/api/me/subscription/checkout", json={}, headers=_h(client, "harbour"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "label_account", r.text
    assert stub.requests == []
    with stripe_on.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BillingCustomer)) == 0
