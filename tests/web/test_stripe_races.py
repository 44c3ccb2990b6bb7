"""Stripe events about one invoice or one charge delivered at the same moment are applied one at a time: none
fails on a unique key (a 500, its money missing from the month until Stripe retried: probe16 F7), and the
month counts exactly what was paid less what was refunded."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import billing
from encore.accounts import User
from encore.billing import BillingCustomer, Payment, ProcessedEvent
from encore.bootstrap import Container
from tests.support.races import race
from tests.web.test_stripe_api import _customer_of, sign, stripe_on, stub
from tests.web.test_stripe_payments_api import _pool, _ts, charge_refunded, invoice_paid

__all__ = ["stripe_on", "stub"]

NOV, DEC = _ts(2026, 11), _ts(2026, 12)


def _deliver(container: Container, payload: bytes) -> Callable[[Session], str]:
    provider = billing.stripe_provider(container.settings)
    assert provider is not None
    signature = sign(payload)
    return lambda s: (
        billing.handle_webhook(
            s, provider=provider, payload=payload, signature=signature, plan="premium", now=container.clock.now()
        ).outcome
    )


def test_one_invoice_delivered_six_times_at_once_is_one_payment(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    events = [invoice_paid(f"evt_{i}", cus, "in_1", start=NOV, end=DEC) for i in range(5)]
    events.append(events[0])  # the same event id twice, too
    outcomes = race(stripe_on, [_deliver(stripe_on, e) for e in events])
    assert outcomes == sorted(["applied_payment", "duplicate"] + ["payment_already_recorded"] * 4), outcomes
    assert _pool(stripe_on, "2026-11") == 999
    with stripe_on.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
        assert s.scalar(select(func.count()).select_from(ProcessedEvent)) == 5


def test_two_running_totals_of_one_charge_at_once_leave_the_larger(client: TestClient, stripe_on: Container) -> None:
    cus = _customer_of(stripe_on, client, "alice")
    assert race(stripe_on, [_deliver(stripe_on, invoice_paid("evt_p", cus, "in_1", start=NOV, end=DEC))]) == [
        "applied_payment"
    ]
    refunds = [charge_refunded("evt_r1", cus, "in_1", 300), charge_refunded("evt_r2", cus, "in_1", 929)]
    outcomes = race(stripe_on, [_deliver(stripe_on, r) for r in refunds])
    # the larger first makes the smaller change nothing; either way the first applied
    assert outcomes in (["applied_refund", "applied_refund"], ["applied_refund", "refund_already_recorded"]), outcomes
    assert _pool(stripe_on, "2026-11") == 70


def test_checkouts_opened_at_once_bind_one_customer(client: TestClient, stripe_on: Container) -> None:
    """Two tabs opening the checkout at once: each finds no customer and makes one at Stripe; one is bound to
    the account and every checkout is opened for it (the second insert failed on the unique key: a 500)."""
    provider = billing.stripe_provider(stripe_on.settings)
    assert provider is not None
    with stripe_on.sessions() as s:
        alice = s.scalar(select(User.id).where(User.username == "alice"))
    assert alice is not None

    def checkout(s: Session) -> str:
        billing.start_checkout(
            s, provider=provider, user_id=alice, success_url="http://localhost/ok", cancel_url="http://localhost/no",
            trial_days=0, now=stripe_on.clock.now(),
        )  # fmt: skip
        return "opened"

    assert race(stripe_on, [checkout] * 4) == ["opened"] * 4
    with stripe_on.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BillingCustomer)) == 1
