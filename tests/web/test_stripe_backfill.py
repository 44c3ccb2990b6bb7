"""`billing.backfill_payments` (`encore billing backfill`): money Stripe received that Encore never kept (an install
from before payments were kept, or webhooks that did not arrive) is read from Stripe's lists and applied as its
webhooks would have been; statements count it, and a second run changes nothing."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from encore import billing
from encore.billing import Payment, PaymentProviderError, ProcessedEvent
from encore.bootstrap import Container
from encore.cli import app
from encore.kernel import ValidationFailed
from tests.support.migrate import migrated_sqlite
from tests.support.stripe_stub import PRICE, StubStripe
from tests.web.test_stripe_api import _customer_of, _tier, post_hook, stripe_on, stub, sub_event
from tests.web.test_stripe_payments_api import _pool, _ts, invoice_paid

__all__ = ["stripe_on", "stub"]

NOV, DEC = _ts(2026, 11), _ts(2026, 12)


def _invoice(invoice: str, customer: str, *, paid: int, price: str = PRICE, created: int = NOV, **more: Any) -> dict:
    line = {"id": f"il_{invoice}", "amount": paid, "period": {"start": NOV, "end": DEC}, "price": {"id": price}}
    return {
        "id": invoice, "object": "invoice", "customer": customer, "amount_paid": paid, "currency": "eur",
        "status": "paid", "created": created, "lines": {"object": "list", "data": [line]}, **more,
    }  # fmt: skip


def _item(item_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": item_id, "object": kind, "created": NOV, **fields}


def _backfill(container: Container, stub: StubStripe, since: datetime | None = None) -> dict[str, int]:
    provider = billing.stripe_provider(container.settings)
    assert provider is not None and stub.api_base in container.settings.stripe_api_base
    return billing.backfill_payments(
        container.sessions, provider=provider, since=since or datetime(2026, 10, 1, tzinfo=UTC),
        now=container.clock.now(), plan=container.settings.premium_plan,
    )  # fmt: skip


def test_a_backfill_keeps_what_stripe_lists_and_a_second_run_changes_nothing(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    alice, bob = _customer_of(stripe_on, client, "alice"), _customer_of(stripe_on, client, "bob")
    paid_by = {"type": "payment_intent", "payment_intent": "pi_b"}
    stub.lists = {
        "/v1/invoices": [
            _invoice("in_jun", alice, paid=999, created=_ts(2026, 6)),  # made over two months before --since
            _invoice("in_a", alice, paid=999, charge="ch_a"),  # an older API version names its charge
            _invoice("in_b", bob, paid=1299),  # a newer one names none: the invoice payment links it
            _invoice("in_other", alice, paid=500, price="price_other_product"),
            _invoice("in_stranger", "cus_not_ours", paid=999),
            _invoice("in_open", bob, paid=0, status="open"),
        ],
        "/v1/invoice_payments": [_item("inpay_b", "invoice_payment", invoice="in_b", status="paid", payment=paid_by)],
        "/v1/charges": [  # read one by one, for the refunds below
            _item("ch_a", "charge", customer=alice, amount_refunded=300, invoice="in_a"),
            _item("ch_b", "charge", customer=bob, amount_refunded=299, payment_intent="pi_b"),
            _item("ch_c", "charge", customer=bob, amount_refunded=0),
        ],
        "/v1/refunds": [  # two refunds of ch_b: its running total is read once
            _item("re_a", "refund", charge="ch_a", amount=300),
            _item("re_b1", "refund", charge="ch_b", amount=200),
            _item("re_b2", "refund", charge="ch_b", amount=99),
        ],
        "/v1/disputes": [
            _item("dp_lost", "dispute", charge="ch_b", payment_intent="pi_b", amount=100, status="lost"),
            _item("dp_won", "dispute", charge="ch_b", amount=1299, status="won"),
        ],
        "/v1/subscriptions": [],
    }
    first = _backfill(stripe_on, stub)
    assert first == {
        "applied_payment": 2, "ignored_other_price": 1, "unknown_customer": 1, "applied_payment_link": 1,
        "applied_refund": 3, "ignored_no_customer": 1,  # the won dispute: nothing was taken back
    }  # fmt: skip
    # alice 999 less 300 refunded; bob 1299 less a 299 refund and a lost 100 dispute
    assert _pool(stripe_on, "2026-11") == 699 + 900
    listed = [path for path, query, _h in stub.requests if path.startswith("/v1/") and "created[gte]" in query]
    assert sorted(set(listed)) == ["/v1/invoice_payments", "/v1/invoices", "/v1/refunds"]
    second = _backfill(stripe_on, stub)
    assert second == {  # the same words for the same items, saying nothing moved (probe17: it said "applied_refund")
        "payment_already_recorded": 2, "ignored_other_price": 1, "unknown_customer": 1,
        "payment_link_already_recorded": 1, "refund_already_recorded": 3, "ignored_no_customer": 1,
    }  # fmt: skip
    assert _pool(stripe_on, "2026-11") == 699 + 900
    with stripe_on.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 2
        assert s.scalar(select(func.count()).select_from(ProcessedEvent)) == 0  # no webhook was delivered


def test_money_that_moved_inside_the_window_on_older_objects_is_found(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """review16: the lists were filtered by when each object was made, so with webhooks down from December 1,
    a November charge refunded on December 10, a November dispute lost in December and a November 28 invoice
    Stripe's retries collected on December 3 were all missed, and labels were paid on the refunded money."""
    alice = _customer_of(stripe_on, client, "alice")
    assert post_hook(client, invoice_paid("evt_1", alice, "in_nov", start=NOV, end=DEC))[1]["outcome"] == (
        "applied_payment"
    )
    nov28, dec3, dec10 = _ts(2026, 11) + 27 * 86_400, _ts(2026, 12) + 2 * 86_400, _ts(2026, 12) + 9 * 86_400
    stub.lists = {
        "/v1/invoices": [_invoice("in_late", alice, paid=500, created=nov28, charge="ch_late")],
        "/v1/invoice_payments": [],
        "/v1/charges": [
            _item("ch_nov", "charge", customer=alice, amount_refunded=999, invoice="in_nov"),
            _item("ch_late", "charge", customer=alice, amount_refunded=0, invoice="in_late", created=dec3),
        ],
        "/v1/refunds": [_item("re_1", "refund", charge="ch_nov", amount=999, created=dec10)],
        "/v1/disputes": [_item("dp_1", "dispute", charge="ch_late", amount=200, status="lost")],  # opened in Nov
        "/v1/subscriptions": [],
    }
    done = _backfill(stripe_on, stub, since=datetime(2026, 12, 1, tzinfo=UTC))
    assert done == {"applied_payment": 1, "applied_refund": 2}, done
    assert _pool(stripe_on, "2026-11") == 300  # 999 refunded in full; the late invoice's 500 less its lost 200


def test_what_a_webhook_already_brought_is_not_counted_again(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    alice = _customer_of(stripe_on, client, "alice")
    assert post_hook(client, invoice_paid("evt_1", alice, "in_a", start=NOV, end=DEC))[1]["outcome"] == (
        "applied_payment"
    )
    stub.lists = {"/v1/invoices": [_invoice("in_a", alice, paid=999)], "/v1/invoice_payments": [],
                  "/v1/refunds": [], "/v1/disputes": [], "/v1/subscriptions": []}  # fmt: skip
    assert _backfill(stripe_on, stub) == {"payment_already_recorded": 1}
    assert _pool(stripe_on, "2026-11") == 999


def test_an_outage_half_way_keeps_what_was_applied_and_a_second_run_finishes(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    alice = _customer_of(stripe_on, client, "alice")
    invoices = [_invoice(f"in_{i:03d}", alice, paid=10) for i in range(120)]  # two pages of Stripe's 100
    stub.lists = {"/v1/invoices": invoices, "/v1/invoice_payments": [], "/v1/refunds": [], "/v1/disputes": [],
                  "/v1/subscriptions": []}  # fmt: skip
    stub.fail_after = 1
    with pytest.raises(PaymentProviderError, match="refused a list for the backfill"):
        _backfill(stripe_on, stub)
    with stripe_on.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 100  # the first page, two batches of 50
    stub.fail_after = None
    assert _backfill(stripe_on, stub) == {"applied_payment": 20, "payment_already_recorded": 100}
    assert _pool(stripe_on, "2026-11") == 1200


def _subscription(sub_id: str, customer: str, status: str, *, period_end: int, **more: Any) -> dict[str, Any]:
    item = {"id": f"si_{sub_id}", "current_period_end": period_end, "price": {"id": PRICE, "object": "price"}}
    return {
        "id": sub_id, "object": "subscription", "customer": customer, "status": status, "created": NOV,
        "cancel_at_period_end": False, "items": {"object": "list", "data": [item]}, "metadata": {}, **more,
    }  # fmt: skip


def test_subscriptions_are_set_as_stripe_has_them_now(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """probe17: with webhooks down, a listener who paid stayed free after the backfill (it read money only), and
    one who cancelled kept Premium. Each subscription is applied as it stands now; one over before the day is
    not read (were it read, `cus_gone` would count as an unknown customer); a second run sets the same state."""
    alice, bob = _customer_of(stripe_on, client, "alice"), _customer_of(stripe_on, client, "bob")
    assert (
        post_hook(client, sub_event("evt_b", bob, "active", created=NOV, sub_id="sub_b"))[1]["outcome"]
        == "applied_active"
    )
    jan = _ts(2027, 1)
    stub.lists = {
        "/v1/invoices": [], "/v1/invoice_payments": [], "/v1/refunds": [], "/v1/disputes": [],
        "/v1/subscriptions": [
            _subscription("sub_a", alice, "active", period_end=jan),  # paid while webhooks were down
            _subscription("sub_b", bob, "canceled", period_end=DEC, ended_at=DEC - 86_400, canceled_at=DEC - 86_400),
            _subscription("sub_c", "cus_gone", "canceled", period_end=_ts(2026, 9), ended_at=_ts(2026, 9)),  # before
        ],
    }  # fmt: skip
    done = _backfill(stripe_on, stub)
    assert done == {"applied_active": 1, "applied_expired": 1}, done
    assert [_tier(client, name)["tier"] for name in ("alice", "bob")] == ["premium", "free"]
    assert _backfill(stripe_on, stub) == done  # the same state again: nothing else moves
    assert [_tier(client, name)["tier"] for name in ("alice", "bob")] == ["premium", "free"]
    late = sub_event("evt_late", alice, "canceled", created=DEC)  # older than what the backfill saw
    assert post_hook(client, late)[1]["outcome"] == "older_than_applied"
    assert _tier(client, "alice")["tier"] == "premium"


@pytest.mark.parametrize(
    ("since", "code"),
    [
        (datetime.now(UTC) + timedelta(days=2), "since_in_the_future"),
        (datetime(2026, 10, 1), "since_without_time_zone"),  # naive: the hostile input itself
        (datetime(1999, 12, 31, tzinfo=UTC), "since_before_2010"),
    ],
)
def test_a_backfill_from_a_day_that_cannot_be_read_is_refused_before_stripe_is_asked(
    stripe_on: Container, stub: StubStripe, since: datetime, code: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _backfill(stripe_on, stub, since)
    assert refused.value.code == code
    assert stub.requests == []


def test_the_command_says_when_stripe_is_not_configured_or_the_day_is_not_a_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    for name in ("ENCORE_STRIPE_SECRET_KEY", "ENCORE_STRIPE_WEBHOOK_SECRET", "ENCORE_STRIPE_PRICE_ID"):
        monkeypatch.delenv(name, raising=False)
    migrated_sqlite(sqlite_template, tmp_path / "var" / "encore.db")
    assert runner.invoke(app, ["migrate"]).exit_code == 0  # an install: commands refuse to start a new one
    off = runner.invoke(app, ["billing", "backfill", "--since", "2026-10-01"])
    assert off.exit_code == 2 and "Stripe is not configured" in off.output
    bad = runner.invoke(app, ["billing", "backfill", "--since", "October"])
    assert bad.exit_code == 2 and "October" in bad.output
