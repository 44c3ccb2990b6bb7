"""Provider statuses onto Encore's states, event ordering, and parsing Stripe's two period layouts."""

from datetime import UTC, datetime, timedelta

import pytest

from encore.billing import BadWebhook, ProviderSubscription, SubState, event_applies, parse_event, provider_state

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
