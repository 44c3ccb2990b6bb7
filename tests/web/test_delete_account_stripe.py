"""Deleting an account cancels at Stripe what Encore never heard of: a subscription whose checkout finished after
the deletion was asked for, or whose webhooks were lost, kept charging a card for an account that no longer
existed (its events answered `ignored_deleted_account`). The erase job asks Stripe itself, through stripe's own
client and the offline stub, before it deletes anything."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore import billing, portability
from encore.accounts import User, create_user
from encore.billing import BillingCustomer
from encore.bootstrap import Container
from encore.config import Settings
from encore.db import transaction
from encore.history import Play
from encore.jobs import Job
from encore.portability import _erase as erase
from tests.insights.world import make_world
from tests.support.jobs import CSRF, run_jobs
from tests.support.stripe_stub import HOOK_SECRET, PRICE, SECRET_KEY, StubStripe, running
from tests.web.conftest import login
from tests.web.test_stripe_api import post_hook, sub_event

PASSWORD = "alice-password-1"
NOW = 1_795_000_000


@pytest.fixture
def stub() -> Iterator[StubStripe]:
    with running(StubStripe()) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, stub: StubStripe) -> Settings:
    """Stripe on from the start: the erase job's provider is wired from the settings the server starts with."""
    return Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url, **stub.settings())


@pytest.fixture
def alice(container: Container) -> int:
    """A listener with plays and Stripe's customer `cus_alice`, bound at a checkout; no subscription Encore knows."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        w.play(w.alice, 1, container.clock.now() - timedelta(days=1))
        s.add(BillingCustomer(user_id=w.alice, provider="stripe", customer_id="cus_alice"))
        return w.alice


def _subscription(sub_id: str, customer: str, status: str) -> dict[str, object]:
    item = {"id": f"si_{sub_id}", "price": {"id": PRICE}, "current_period_end": NOW + 30 * 86_400}
    return {
        "id": sub_id, "object": "subscription", "customer": customer, "status": status, "created": NOW,
        "items": {"object": "list", "data": [item]}, "cancel_at_period_end": False,
    }  # fmt: skip


def _delete(client: TestClient) -> None:
    login(client, "alice", PASSWORD)
    r = client.post("/api/me/delete-account", json={"password": PASSWORD}, headers=CSRF)
    assert r.status_code == 202, r.text


def _deletes(stub: StubStripe) -> list[str]:
    return [path for path, _query, headers in stub.requests if path.startswith("/v1/subscriptions/")]


def _job(container: Container) -> Job | None:
    """The account's erase job; None once it is done (its row goes with the account's)."""
    with container.sessions() as s:
        return s.scalar(select(Job).where(Job.kind == "accounts.erase").order_by(Job.id.desc()))


def test_a_subscription_encore_never_heard_of_is_cancelled_before_the_account_goes(
    client: TestClient, container: Container, stub: StubStripe, alice: int
) -> None:
    stub.lists["/v1/subscriptions"] = [
        _subscription("sub_unknown", "cus_alice", "active"),  # its webhook was lost: Encore has no row for it
        _subscription("sub_old", "cus_alice", "canceled"),  # ended long ago: not cancelled again (Stripe: 404)
        _subscription("sub_bob", "cus_bob", "active"),  # another customer's: never touched
    ]
    _delete(client)
    run_jobs(container)
    assert _deletes(stub) == ["/v1/subscriptions/sub_unknown"]
    status = {sub["id"]: sub["status"] for sub in stub.lists["/v1/subscriptions"]}
    assert status == {"sub_unknown": "canceled", "sub_old": "canceled", "sub_bob": "active"}
    listed = [query for path, query, _headers in stub.requests if path == "/v1/subscriptions"]
    assert listed and listed[0]["customer"] == ["cus_alice"] and listed[0]["status"] == ["all"]
    assert _job(container) is None
    with container.sessions() as s:
        assert s.get(User, alice) is None


def test_an_erase_run_again_after_its_cancel_does_not_fail_on_the_cancelled_subscription(
    client: TestClient, container: Container, stub: StubStripe, alice: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attempt cancels at Stripe, then its worker dies (here: the plays' deletion raises); the job
    engine runs it again, which finds the subscription cancelled at Stripe and goes on."""
    stub.lists["/v1/subscriptions"] = [_subscription("sub_unknown", "cus_alice", "trialing")]
    _delete(client)
    attempts: list[int] = []
    forget = erase.forget_range

    def dies_once(*args: Any, **kwargs: Any) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the worker died")
        return forget(*args, **kwargs)

    monkeypatch.setattr(erase, "forget_range", dies_once)
    run_jobs(container)
    assert len(attempts) == 2 and _job(container) is None
    assert _deletes(stub) == ["/v1/subscriptions/sub_unknown"]  # cancelled once, skipped on the second run
    # asked on both runs (the second asks again before the row goes): nothing more to cancel, and no error
    assert len([path for path, _q, _h in stub.requests if path == "/v1/subscriptions"]) == 3
    with container.sessions() as s:
        assert s.get(User, alice) is None


def test_a_checkout_paid_while_the_history_is_deleted_is_cancelled_too(
    client: TestClient, container: Container, stub: StubStripe, alice: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout page opened before the request and paid while a long history was being deleted: Stripe is
    asked again just before the row (the account's link to its customer) goes."""
    stub.lists["/v1/subscriptions"] = []  # none yet when the job starts
    _delete(client)
    forget = erase.forget_range

    def paid_meanwhile(*args: Any, **kwargs: Any) -> int:
        stub.lists["/v1/subscriptions"] = [_subscription("sub_late", "cus_alice", "active")]
        return forget(*args, **kwargs)

    monkeypatch.setattr(erase, "forget_range", paid_meanwhile)
    run_jobs(container)
    assert _deletes(stub) == ["/v1/subscriptions/sub_late"]
    with container.sessions() as s:
        assert s.get(User, alice) is None


@pytest.mark.parametrize("outage", ["fail", "hang_up"])
def test_stripe_down_fails_the_erase_with_nothing_deleted_and_a_later_run_finishes(
    client: TestClient, container: Container, stub: StubStripe, alice: int, outage: str
) -> None:
    stub.lists["/v1/subscriptions"] = [_subscription("sub_unknown", "cus_alice", "past_due")]
    _delete(client)
    setattr(stub, outage, True)  # 500s, or connections closed unanswered
    run_jobs(container)
    job = _job(container)
    assert job is not None and job.state == "failed" and job.error_code == "payment_provider_unavailable"
    with container.sessions() as s:
        user = s.get(User, alice)
        assert user is not None and not user.is_active  # stopped, not erased: nothing deleted yet
        assert s.scalar(select(func.count()).select_from(Play).where(Play.user_id == alice)) == 1
    setattr(stub, outage, False)
    later = lambda: container.clock.now() + timedelta(hours=2)  # noqa: E731
    assert portability.resume_erasures(container.sessions, container.jobs, later) == 1
    run_jobs(container)
    assert _job(container) is None
    assert stub.lists["/v1/subscriptions"][0]["status"] == "canceled"
    with container.sessions() as s:
        assert s.get(User, alice) is None


def test_no_customer_asks_stripe_nothing(client: TestClient, container: Container, stub: StubStripe) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
    _delete(client)
    stub.fail = True  # any question would fail the job
    run_jobs(container)
    assert _job(container) is None
    assert [path for path, _q, _h in stub.requests if path.startswith("/v1/subscriptions")] == []


def test_a_subscription_cancelled_between_the_list_and_the_cancel_counts_as_ended(stub: StubStripe) -> None:
    """Another run of the same erase cancelled it first: Stripe answers the second cancel 404 resource_missing
    (as for any cancelled subscription), which is not an outage."""
    stub.lists["/v1/subscriptions"] = [_subscription("sub_raced", "cus_alice", "active")]
    stub.cancelled_elsewhere.add("sub_raced")
    stripe = billing.StripeProvider(
        billing.StripeConfig(secret_key=SECRET_KEY, webhook_secret=HOOK_SECRET, price_id=PRICE, api_base=stub.api_base)
    )
    assert stripe.cancel_subscriptions(customer_id="cus_alice") == ["sub_raced"]
    assert _deletes(stub) == ["/v1/subscriptions/sub_raced"]


def _erased(client: TestClient, container: Container, stub: StubStripe, alice: int) -> None:
    """alice's account erased; her Stripe customer row kept (it matches her payments and refunds), unowned."""
    stub.lists["/v1/subscriptions"] = []  # nothing to cancel at the job's last look
    _delete(client)
    run_jobs(container)
    with container.sessions() as s:
        assert s.get(User, alice) is None
        kept = s.scalar(select(BillingCustomer).where(BillingCustomer.customer_id == "cus_alice"))
        assert kept is not None and kept.user_id is None


def test_a_subscription_paid_after_the_erase_is_cancelled_when_its_webhook_comes(
    client: TestClient, container: Container, stub: StubStripe, alice: int
) -> None:
    """A checkout page kept open and paid after the erase job's last look at Stripe: its webhook was answered
    `ignored_deleted_account`, and the card was charged every month for an account that no longer existed."""
    _erased(client, container, stub, alice)
    stub.lists["/v1/subscriptions"] = [_subscription("sub_after", "cus_alice", "active")]
    status, body = post_hook(client, sub_event("evt_after", "cus_alice", "active", created=NOW, sub_id="sub_after"))
    assert (status, body["outcome"]) == (200, "cancelled_deleted_account")
    assert _deletes(stub) == ["/v1/subscriptions/sub_after"]
    assert stub.lists["/v1/subscriptions"][0]["status"] == "canceled"
    ended = sub_event("evt_ended", "cus_alice", "canceled", created=NOW + 1, sub_id="sub_after")
    assert post_hook(client, ended)[1]["outcome"] == "ignored_deleted_account"  # an ended one: nothing to ask
    assert _deletes(stub) == ["/v1/subscriptions/sub_after"]


@pytest.mark.parametrize("outage", ["fail", "hang_up"])
def test_stripe_down_refuses_the_delivery_so_stripe_sends_it_again(
    client: TestClient, container: Container, stub: StubStripe, alice: int, outage: str
) -> None:
    _erased(client, container, stub, alice)
    stub.lists["/v1/subscriptions"] = [_subscription("sub_after", "cus_alice", "trialing")]
    event = sub_event("evt_after", "cus_alice", "trialing", created=NOW, sub_id="sub_after")
    setattr(stub, outage, True)
    status, body = post_hook(client, event)
    assert status == 502 and body["error"]["code"] == "payment_provider_unavailable"
    setattr(stub, outage, False)
    status, body = post_hook(client, event)  # Stripe's redelivery: not a "duplicate" of the refused one
    assert (status, body["outcome"]) == (200, "cancelled_deleted_account")
    assert stub.lists["/v1/subscriptions"][0]["status"] == "canceled"
    assert post_hook(client, event)[1]["outcome"] == "duplicate"
