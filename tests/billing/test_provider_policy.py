"""Provider statuses onto Encore's states, event ordering, and parsing Stripe's two period layouts."""

from datetime import UTC, datetime, timedelta

import pytest

from encore.billing import (
    BadWebhook,
    ProviderSubscription,
    RefundAnswer,
    RefundVerdict,
    SubState,
    event_applies,
    kept_after_refund,
    parse_event,
    payment_counts,
    provider_state,
    refund_refusal,
    refund_share,
)
from encore.billing._provider_policy import ended_for_good

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
END = NOW + timedelta(days=30)


def _sub(status: str, **kw: object) -> ProviderSubscription:
    base: dict[str, object] = {
        "subscription_id": "sub_1",
        "status": status,
        "period_end": END,
        "trial_end": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "ended_at": None,
    }
    return ProviderSubscription(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "extra", "state", "period_end"),
    [
        ("trialing", {"trial_end": END}, SubState.TRIALING, END),
        ("active", {}, SubState.ACTIVE, END),
        ("active", {"cancel_at_period_end": True}, SubState.CANCELED, END),
        ("past_due", {}, SubState.PAST_DUE, END),
        ("unpaid", {}, SubState.EXPIRED, NOW),
        ("canceled", {"ended_at": NOW - timedelta(hours=1)}, SubState.EXPIRED, NOW - timedelta(hours=1)),
        ("incomplete_expired", {}, SubState.EXPIRED, NOW),
    ],
)
def test_provider_status_maps_to_a_state(
    status: str, extra: dict[str, object], state: SubState, period_end: datetime
) -> None:
    change = provider_state(_sub(status, **extra), event_at=NOW)
    assert change is not None and change.state is state and change.period_end == period_end


@pytest.mark.parametrize("status", ["trialing", "past_due"])
def test_a_trial_or_retried_card_cancelled_keeps_its_state_and_says_it_renews_no_more(status: str) -> None:
    """review17 F5: Stripe keeps a cancelled trial `trialing` until it ends; its cancellation was dropped, so
    the account page showed none and deleting the account was refused as if it would renew."""
    change = provider_state(_sub(status, cancel_at_period_end=True, trial_end=END), event_at=NOW)
    assert change is not None and change.state.value == status and change.canceled_at == NOW
    kept = provider_state(_sub(status, trial_end=END), event_at=NOW)
    assert kept is not None and kept.canceled_at is None


def test_an_unknown_status_changes_nothing() -> None:
    assert provider_state(_sub("some_future_status"), event_at=NOW) is None


def test_awaiting_the_first_payment_changes_nothing() -> None:
    """Stripe's `incomplete` often shares its whole-second `created` with the `active` that follows it and
    can arrive after it: it must not end a subscription that is already paid for."""
    assert provider_state(_sub("incomplete"), event_at=NOW) is None


def test_older_events_do_not_apply() -> None:
    assert event_applies(event_at=NOW, last_applied_at=None) is None
    assert event_applies(event_at=NOW, last_applied_at=NOW) is None
    assert event_applies(event_at=NOW - timedelta(seconds=1), last_applied_at=NOW) == "older_than_applied"


@pytest.mark.parametrize("status", ["active", "trialing", "past_due", "unpaid", "paused", "incomplete"])
def test_a_subscription_ended_for_good_never_lives_again(status: str) -> None:
    """probe20 F7: Stripe never revives a deleted subscription; an event of its id saying otherwise is stale,
    whatever its time. Another id may be live, and the ended one's own end may be told again."""
    assert ended_for_good(status=status, subscription_id="sub_A", ended_id="sub_A") == "subscription_ended"
    assert ended_for_good(status=status, subscription_id="sub_B", ended_id="sub_A") is None
    assert ended_for_good(status=status, subscription_id="sub_A", ended_id=None) is None
    for terminal in ("canceled", "incomplete_expired"):
        assert ended_for_good(status=terminal, subscription_id="sub_A", ended_id="sub_A") is None


def _event(obj: dict[str, object], kind: str = "customer.subscription.updated") -> dict[str, object]:
    return {"id": "evt_1", "type": kind, "created": int(NOW.timestamp()), "data": {"object": obj}}


def test_period_end_from_the_subscription_or_its_items() -> None:
    ts = int(END.timestamp())
    legacy = parse_event(_event({"id": "sub_1", "status": "active", "customer": "cus_1", "current_period_end": ts}))
    items = parse_event(
        _event(
            {
                "id": "sub_1",
                "status": "active",
                "customer": {"id": "cus_1"},
                "items": {"data": [{"current_period_end": ts}]},
            }
        )
    )
    for event in (legacy, items):
        assert event.customer_id == "cus_1"
        assert event.subscription is not None and event.subscription.period_end == END


def test_non_subscription_events_carry_no_subscription_and_malformed_ones_are_refused() -> None:
    checkout = parse_event(_event({"id": "cs_1", "customer": "cus_1"}, kind="checkout.session.completed"))
    assert checkout.subscription is None and checkout.customer_id == "cus_1"
    with pytest.raises(BadWebhook):
        parse_event(_event({"customer": "cus_1"}))  # a subscription event without id/status
    with pytest.raises(BadWebhook):
        parse_event({"id": "evt_1", "type": "x", "data": {}})


# Money received (what royalty statements count): paid invoices and refunds.

P_START, P_END = 1_793_491_200, 1_796_083_200  # 2026-11-01 and 2026-12-01 UTC


def _invoice(**kw: object) -> dict[str, object]:
    line = {"id": "il_1", "amount": 999, "period": {"start": P_START, "end": P_END}, "price": {"id": "price_1"}}
    obj: dict[str, object] = {
        "id": "in_1", "object": "invoice", "customer": "cus_1", "amount_paid": 999, "currency": "eur",
        "subscription": "sub_1", "lines": {"data": [line]},
    }  # fmt: skip
    return {"id": "evt_1", "type": "invoice.paid", "created": P_START + 60, "data": {"object": {**obj, **kw}}}


def test_a_paid_invoice_is_the_money_and_the_period_its_plan_lines_cover() -> None:
    event = parse_event(_invoice(), price_id="price_1")
    assert event.payment is not None and not event.other_price and event.customer_id == "cus_1"
    p = event.payment
    assert (p.reference, p.subscription_id, p.amount_cents, p.currency) == ("in_1", "sub_1", 999, "EUR")
    assert (p.period_start, p.period_end) == (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert payment_counts(p) is None


def test_an_invoice_in_the_2025_layout_is_read_the_same() -> None:
    """Since API version 2025-03-31 the subscription is under parent.subscription_details and a line's
    price under pricing.price_details."""
    line = {
        "amount": 999,
        "period": {"start": P_START, "end": P_END},
        "pricing": {"price_details": {"price": "price_1"}},
    }
    raw = _invoice(
        subscription=None, lines={"data": [line]}, parent={"subscription_details": {"subscription": "sub_9"}}
    )
    event = parse_event(raw, price_id="price_1")
    assert event.payment is not None and event.payment.subscription_id == "sub_9" and not event.other_price
    assert event.payment.period_end == datetime(2026, 12, 1, tzinfo=UTC)


def _line(amount: int, price: str = "price_1", **kw: object) -> dict[str, object]:
    return {
        "amount": amount,
        "period": {"start": P_START, "end": P_END},
        "pricing": {"price_details": {"price": price}},
        **kw,
    }


@pytest.mark.parametrize(
    ("lines", "paid", "ours"),
    [
        # VAT added on top (API 2025-03-31 and later: taxes[] with tax_behavior): the pool gets the net price
        ([_line(999, taxes=[{"amount": 190, "tax_behavior": "exclusive"}])], 1189, 999),
        # VAT included in the price: taken out of the line's amount (taxes[], and the older tax_amounts[])
        ([_line(999, taxes=[{"amount": 160, "tax_behavior": "inclusive"}])], 999, 839),
        ([_line(999, tax_amounts=[{"amount": 160, "inclusive": True}, {"amount": 5, "inclusive": False}])], 1004, 839),
        # a coupon: the line's discount comes off
        ([_line(999, discount_amounts=[{"amount": 200, "discount": "di_1"}])], 799, 799),
        # another product on the same invoice is not Encore's money
        ([_line(999), _line(5000, "price_merch")], 5999, 999),
        ([_line(999, taxes=[{"amount": 190, "tax_behavior": "exclusive"}]), _line(5000, "price_merch")], 6189, 999),
        # a customer credit balance paid part of it: never more than was actually paid
        ([_line(999)], 500, 500),
    ],
)
def test_an_invoice_counts_the_plan_lines_net_of_tax_and_discounts(
    lines: list[dict[str, object]], paid: int, ours: int
) -> None:
    event = parse_event(_invoice(amount_paid=paid, lines={"data": lines}), price_id="price_1")
    assert event.payment is not None and not event.other_price
    assert event.payment.amount_cents == ours


def test_an_invoice_for_another_price_is_marked() -> None:
    assert parse_event(_invoice(), price_id="price_other").other_price


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"amount_paid": 0}, "ignored_nothing_paid"),  # a trial's invoice, a 100 % coupon
        ({"lines": {"data": []}}, "ignored_payment_without_period"),
        ({"lines": {"data": [{"period": {"start": P_END, "end": P_START}}]}}, "ignored_payment_without_period"),
        ({"lines": "not a list"}, "ignored_payment_without_period"),
    ],
)
def test_an_invoice_that_brought_no_money_for_a_period_does_not_count(kw: dict[str, object], why: str) -> None:
    event = parse_event(_invoice(**kw))
    assert event.payment is not None and payment_counts(event.payment) == why


def test_an_invoice_without_its_amount_is_refused() -> None:
    with pytest.raises(BadWebhook):
        parse_event(_invoice(amount_paid="999"))


def test_a_refund_carries_its_charge_running_total_and_invoice() -> None:
    obj = {
        "id": "ch_1", "object": "charge", "customer": "cus_1", "amount_refunded": 400, "invoice": {"id": "in_1"},
        "payment_intent": "pi_1",
    }  # fmt: skip
    event = parse_event({"id": "evt_2", "type": "charge.refunded", "created": P_START, "data": {"object": obj}})
    assert event.refund is not None and event.payment is None
    r = event.refund
    assert (r.charge_id, r.invoice_id, r.payment_intent, r.refunded_cents) == ("ch_1", "in_1", "pi_1", 400)


@pytest.mark.parametrize(
    ("obj", "link"),
    [
        ({"invoice": "in_1", "payment": {"type": "payment_intent", "payment_intent": "pi_1"}}, ("in_1", "pi_1")),
        ({"invoice": {"id": "in_1"}, "payment": {"type": "charge", "charge": "ch_1"}}, ("in_1", "ch_1")),
        ({"invoice": "in_1", "payment_intent": "pi_2"}, ("in_1", "pi_2")),  # the later, flat layout
        ({"invoice": "in_1", "payment": {"type": "payment_record"}}, None),
        ({"payment": {"payment_intent": "pi_1"}}, None),
    ],
)
def test_an_invoice_payment_links_the_invoice_to_what_paid_it(
    obj: dict[str, object], link: tuple[str, str] | None
) -> None:
    raw = {"id": "evt_3", "type": "invoice_payment.paid", "created": P_START, "data": {"object": obj}}
    got = parse_event(raw).link
    assert (None if got is None else (got.invoice_id, got.paid_by)) == link


@pytest.mark.parametrize(("refunded", "kept"), [(0, 999), (400, 599), (999, 0), (5000, 0), (-5, 999)])
def test_what_is_kept_after_refunds_stays_between_nothing_and_what_was_paid(refunded: int, kept: int) -> None:
    assert kept_after_refund(amount_cents=999, refunded_cents=refunded) == kept


@pytest.mark.parametrize(
    ("refunded", "invoice_paid", "share"),
    [
        (1189, 1189, 999),  # all of a taxed invoice refunded: all of the plan's net money
        (500, 1189, 420),  # part of it: the same part of the plan (500 x 999 / 1189 = 420.1)
        (5000, 5999, 833),  # the other product's 5000 refunded: the plan loses its share only
        (400, 999, 400),  # the invoice was the plan alone
        (400, None, 400),  # recorded before money14b_1: the invoice's total is not known
        (9999, 1189, 999),  # never more than the payment
        (-5, 1189, 0),
    ],
)
def test_a_payment_loses_its_share_of_what_was_refunded_on_its_invoice(
    refunded: int, invoice_paid: int | None, share: int
) -> None:
    assert refund_share(refunded, amount_cents=999, invoice_paid_cents=invoice_paid) == share


def test_a_lost_dispute_is_a_refund_of_its_charge_and_a_won_one_is_nothing() -> None:
    obj = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 999,
        "charge": "ch_1",
        "payment_intent": "pi_1",
        "status": "lost",
    }
    raw = {"id": "evt_9", "type": "charge.dispute.closed", "created": P_START, "data": {"object": obj}}
    refund = parse_event(raw).refund
    assert refund is not None
    assert (refund.key, refund.charge_id, refund.payment_intent, refund.refunded_cents) == ("dp_1", "ch_1", "pi_1", 999)
    assert parse_event({**raw, "data": {"object": {**obj, "status": "won"}}}).refund is None
    with pytest.raises(BadWebhook):
        parse_event({**raw, "data": {"object": {**obj, "amount": "999"}}})


@pytest.mark.parametrize(
    ("status", "code", "verdict", "reason"),
    [
        (400, "charge_already_refunded", RefundVerdict.REFUNDED, "charge_already_refunded"),
        (400, "charge_disputed", RefundVerdict.NOT_MADE, "charge_disputed"),
        (400, "refund_disputed_payment", RefundVerdict.NOT_MADE, "refund_disputed_payment"),
        (400, "charge_not_refundable", RefundVerdict.NOT_MADE, "charge_not_refundable"),
        (404, "resource_missing", RefundVerdict.NOT_MADE, "resource_missing"),
        (400, "a_code_stripe_adds_later", RefundVerdict.NOT_MADE, "a_code_stripe_adds_later"),
        (402, None, RefundVerdict.NOT_MADE, "http_402"),
        (400, "balance_insufficient", RefundVerdict.RETRY, "balance_insufficient"),
        (400, "charge_exceeds_source_limit", RefundVerdict.RETRY, "charge_exceeds_source_limit"),
        (400, "lock_timeout", RefundVerdict.RETRY, "lock_timeout"),
        (429, "rate_limit", RefundVerdict.RETRY, "rate_limit"),
        (409, "idempotency_key_in_use", RefundVerdict.RETRY, "idempotency_key_in_use"),
        (401, None, RefundVerdict.RETRY, "http_401"),
        (403, None, RefundVerdict.RETRY, "http_403"),
        (500, None, RefundVerdict.RETRY, "http_500"),
        (503, "api_error", RefundVerdict.RETRY, "api_error"),
        (None, None, RefundVerdict.RETRY, "unreachable"),
    ],
)
def test_a_refused_refund_is_lasting_or_passes(
    status: int | None, code: str | None, verdict: RefundVerdict, reason: str
) -> None:
    """review21c F6: a disputed charge's refund was asked again for Stripe's three days of redeliveries."""
    assert refund_refusal(status=status, code=code) == RefundAnswer(verdict, reason)


STILL = " (still refused after retries)"


@pytest.mark.parametrize(
    ("status", "code", "hours", "answer"),
    [
        (400, "balance_insufficient", 47, RefundAnswer(RefundVerdict.RETRY, "balance_insufficient")),
        (400, "balance_insufficient", 48, RefundAnswer(RefundVerdict.NOT_MADE, "balance_insufficient" + STILL)),
        (403, None, 72, RefundAnswer(RefundVerdict.NOT_MADE, "http_403" + STILL)),
        (None, None, 49, RefundAnswer(RefundVerdict.NOT_MADE, "unreachable" + STILL)),
        (400, "charge_disputed", 1, RefundAnswer(RefundVerdict.NOT_MADE, "charge_disputed")),
        (400, "charge_already_refunded", 72, RefundAnswer(RefundVerdict.REFUNDED, "charge_already_refunded")),
    ],
)
def test_a_refusal_that_passes_is_told_once_it_outlasts_its_retries(
    status: int | None, code: str | None, hours: int, answer: RefundAnswer
) -> None:
    """review22m F7: the subscription is cancelled first; a refusal that passes, asked again until Stripe stopped
    redelivering, ended with no record and the listener unrefunded. From 48 hours after the event, it is told."""
    assert refund_refusal(status=status, code=code, event_age=timedelta(hours=hours)) == answer
