"""Deleting an account while Stripe refuses to cancel its subscription. The erase job asks Stripe to end every
subscription of the account's customer; when Stripe refused (or could not be reached) the job failed and was run
again hourly, but nothing was recorded: the operator never learnt that a card could still be charged for an
account being deleted, nor why its deletion did not finish. Now the refusal is in the audit log as the webhook's
own refused cancels are (`billing.cancel_refused`, once per subscription), and the failed job names it. A
subscription paid after the account was erased, whose cancel Stripe refuses, is recorded the same way. With
stripe's own client against the offline stub."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore import portability
from encore.accounts import Role, User, create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from tests.support.jobs import run_jobs
from tests.support.stripe_stub import StubStripe
from tests.web.conftest import login
from tests.web.test_delete_account_stripe import (
    NOW,
    _delete,
    _erased,
    _job,
    _subscription,
    alice,
    settings,
    stub,
)
from tests.web.test_stripe_api import post_hook, sub_event

__all__ = ["alice", "settings", "stub"]
ROOT_PASSWORD = "root-password-12"


def _billing_events(client: TestClient, container: Container) -> list[dict[str, Any]]:
    """What the admin page's Audit log shows of billing."""
    with transaction(container.sessions) as s:
        if s.scalar(select(User.id).where(User.username == "root")) is None:
            create_user(s, username="root", password=ROOT_PASSWORD, role=Role.ADMIN)
    headers = {"Authorization": f"Bearer {login(client, 'root', ROOT_PASSWORD)}"}
    r = client.get("/api/admin/audit", params={"kind": "billing"}, headers=headers)
    assert r.status_code == 200, r.text
    return [{k: e[k] for k in ("kind", "actor", "subject", "details")} for e in r.json()["items"]]


def _later(container: Container, hours: int) -> Any:
    return lambda: container.clock.now() + timedelta(hours=hours)


def test_a_refused_cancel_is_recorded_and_named_by_the_failed_erase_which_finishes_once_stripe_takes_it(
    client: TestClient, container: Container, stub: StubStripe, alice: int
) -> None:
    stub.lists["/v1/subscriptions"] = [_subscription("sub_live", "cus_alice", "active")]
    stub.refuse_cancel["sub_live"] = (400, "subscription_locked")
    _delete(client)
    run_jobs(container)
    job = _job(container)
    assert job is not None and job.state == "failed" and job.error_code == "payment_provider_unavailable"
    assert job.message is not None
    assert "sub_live" in job.message and "subscription_locked" in job.message and "tried again" in job.message
    with container.sessions() as s:  # stopped, nothing deleted: the subscription still bills this account
        user = s.get(User, alice)
        assert user is not None and not user.is_active
        assert s.scalar(select(func.count()).select_from(Play).where(Play.user_id == alice)) == 1
    said = {
        "subscription": "sub_live",
        "customer": "cus_alice",
        "reason": "subscription_locked",
        "why": "account_deleted",
    }
    recorded = {"kind": "billing.cancel_refused", "actor": None, "subject": "alice", "details": said}
    assert _billing_events(client, container) == [recorded]
    # an hour later Stripe still refuses: the erasing runs again and fails again, recorded once
    assert portability.resume_erasures(container.sessions, container.jobs, _later(container, 2)) == 1
    run_jobs(container)
    job = _job(container)
    assert job is not None and job.state == "failed"
    assert _billing_events(client, container) == [recorded]
    # Stripe takes it: the account is erased; the record stays (without the account, as the audit log keeps it)
    del stub.refuse_cancel["sub_live"]
    assert portability.resume_erasures(container.sessions, container.jobs, _later(container, 4)) == 1
    run_jobs(container)
    assert _job(container) is None
    assert stub.lists["/v1/subscriptions"][0]["status"] == "canceled"
    with container.sessions() as s:
        assert s.get(User, alice) is None
    assert _billing_events(client, container) == [{**recorded, "subject": None}]


def test_stripe_unreachable_for_the_list_is_recorded_against_the_customer(
    client: TestClient, container: Container, stub: StubStripe, alice: int
) -> None:
    stub.lists["/v1/subscriptions"] = [_subscription("sub_live", "cus_alice", "trialing")]
    _delete(client)
    stub.hang_up = True
    try:
        run_jobs(container)
    finally:
        stub.hang_up = False
    job = _job(container)
    assert job is not None and job.state == "failed" and job.message is not None
    assert "cus_alice" in job.message and "unreachable" in job.message
    said = {"subscription": "", "customer": "cus_alice", "reason": "unreachable", "why": "account_deleted"}
    assert _billing_events(client, container) == [
        {"kind": "billing.cancel_refused", "actor": None, "subject": "alice", "details": said}
    ]


def test_a_refused_cancel_on_the_last_look_before_the_row_goes_is_recorded_too(
    client: TestClient, container: Container, stub: StubStripe, alice: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout paid while the plays were being deleted, and Stripe refuses its cancel: the row is kept."""
    from encore.portability import _erase as erase

    stub.lists["/v1/subscriptions"] = []
    _delete(client)
    forget = erase.forget_range

    def paid_meanwhile(*args: Any, **kwargs: Any) -> int:
        stub.lists["/v1/subscriptions"] = [_subscription("sub_late", "cus_alice", "active")]
        stub.refuse_cancel["sub_late"] = (402, "card_declined")
        return forget(*args, **kwargs)

    monkeypatch.setattr(erase, "forget_range", paid_meanwhile)
    run_jobs(container)
    job = _job(container)
    assert job is not None and job.state == "failed" and job.message is not None and "sub_late" in job.message
    with container.sessions() as s:
        assert s.get(User, alice) is not None
    (event,) = _billing_events(client, container)
    assert event["subject"] == "alice" and event["details"]["subscription"] == "sub_late"
    assert event["details"]["reason"] == "card_declined"


def test_a_refused_cancel_of_a_deleted_accounts_subscription_is_recorded_by_the_webhook(
    client: TestClient, container: Container, stub: StubStripe, alice: int
) -> None:
    """Paid after the erasing's last look: its webhook asks the cancel; Stripe refuses it (the worst case: a
    card charged for an account that is gone). The delivery is refused so that Stripe brings it again, as before,
    and now the operator is told, once per subscription."""
    _erased(client, container, stub, alice)
    stub.lists["/v1/subscriptions"] = [_subscription("sub_after", "cus_alice", "active")]
    stub.refuse_cancel["sub_after"] = (400, "subscription_locked")
    event = sub_event("evt_after", "cus_alice", "active", created=NOW, sub_id="sub_after")
    assert post_hook(client, event)[0] == 502
    said = {"subscription": "sub_after", "reason": "subscription_locked", "why": "account_deleted"}
    recorded = {"kind": "billing.cancel_refused", "actor": None, "subject": None, "details": said}
    assert _billing_events(client, container) == [recorded]
    assert post_hook(client, event)[0] == 502  # redelivered, still refused: asked again, recorded once
    assert _billing_events(client, container) == [recorded]
    del stub.refuse_cancel["sub_after"]
    status, body = post_hook(client, event)
    assert (status, body["outcome"]) == (200, "cancelled_deleted_account")
    assert _billing_events(client, container) == [recorded]
