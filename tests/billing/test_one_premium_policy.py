"""Which live card subscription is ended rather than applied, and while which row a code or a grant is refused
(pure: no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from encore.billing import ProviderSubscription, Subscription, SubState
from encore.billing._one_premium import rival, unwanted
from encore.billing._subscriptions import card_subscription_stands, premium_refusal

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
MONTH = NOW + timedelta(days=30)


def _facts(status: str, sub_id: str = "sub_B", end: datetime = MONTH) -> ProviderSubscription:
    return ProviderSubscription(
        subscription_id=sub_id, status=status, period_end=end, trial_end=None, cancel_at_period_end=False,
        canceled_at=None, ended_at=None,
    )  # fmt: skip


def _row(
    provider: str, state: str, *, end: datetime | None = MONTH, held: str | None = "sub_A", **kw: object
) -> Subscription:
    return Subscription(
        user_id=1, plan="premium", provider=provider, state=state, period_end=end, provider_subscription_id=held, **kw
    )


def _why(row: Subscription | None, facts: ProviderSubscription) -> str | None:
    return unwanted(row, provider="stripe", facts=facts, event_at=NOW, held_before=False, now=NOW)


@pytest.mark.parametrize("state", ["trialing", "active", "past_due"])
@pytest.mark.parametrize("status", ["trialing", "active", "past_due"])
def test_a_second_live_subscription_beside_a_renewing_one_is_unwanted(state: str, status: str) -> None:
    assert _why(_row("stripe", state), _facts(status)) == "second_subscription"


@pytest.mark.parametrize(
    "row",
    [
        None,  # nothing held
        _row("stripe", "active", held="sub_B"),  # the one held itself
        _row("stripe", "active", held=None),
        _row("stripe", "expired"),
        _row("stripe", "canceled"),  # cancelled to its period's end: the new one takes over
        _row("stripe", "trialing", canceled_at=NOW),
        _row("stripe", "active", end=NOW - timedelta(days=1)),  # its period is over (an end Encore missed)
        _row("code", "active", end=NOW + timedelta(days=3)),  # a code's last days: the paid month is kept
        _row("manual", "expired", end=MONTH + timedelta(days=300)),  # revoked
    ],
)
def test_what_is_not_unwanted(row: Subscription | None) -> None:
    assert _why(row, _facts("active")) is None


@pytest.mark.parametrize("status", ["canceled", "incomplete", "incomplete_expired", "unpaid"])
def test_a_subscription_that_charges_nothing_more_is_never_ended(status: str) -> None:
    assert _why(_row("stripe", "active"), _facts(status)) is None
    assert _why(_row("code", "active", end=MONTH + timedelta(days=300)), _facts(status)) is None


def test_a_newcomer_cancelled_to_its_period_end_is_unwanted_too() -> None:
    """Applied, it would take the renewing one's place in the row, which would then renew unseen."""
    newcomer = _facts("active")
    newcomer = ProviderSubscription(**{**newcomer.__dict__, "cancel_at_period_end": True, "canceled_at": NOW})
    assert _why(_row("stripe", "active"), newcomer) == "second_subscription"


APPLIED = NOW - timedelta(days=3)  # the held one's last event applied


@pytest.mark.parametrize(
    ("held_before", "event_at", "cancelled", "why"),
    [
        # review23 F1: the one the listener left for the one held, its old word delivered again or late
        (True, APPLIED - timedelta(days=20), False, "earlier_subscription"),
        (True, APPLIED, False, "earlier_subscription"),  # the same second: taken as old (never ends a used one)
        (True, APPLIED - timedelta(days=20), True, "earlier_subscription"),
        (True, NOW, True, "earlier_subscription"),  # a newer word: still runs out at its period's end
        # renews again with a newer word (an old invoice paid: review21c F1): two charges, the second ended
        (True, NOW, False, "second_subscription"),
        # never held: two paid checkouts, whichever came second and whatever their order (review19 F2)
        (False, APPLIED - timedelta(days=20), False, "second_subscription"),
        (False, NOW, True, "second_subscription"),
    ],
)
def test_a_subscription_held_before_is_ended_only_when_it_renews_again(
    held_before: bool, event_at: datetime, cancelled: bool, why: str
) -> None:
    row = _row("stripe", "active", held="sub_B", provider_event_at=APPLIED)
    facts = ProviderSubscription(**{**_facts("active", "sub_A").__dict__, "cancel_at_period_end": cancelled})
    assert rival(row, facts=facts, event_at=event_at, held_before=held_before, now=NOW) == why
    said = unwanted(row, provider="stripe", facts=facts, event_at=event_at, held_before=held_before, now=NOW)
    assert said == (why if why == "second_subscription" else None)  # only a second one is ended at Stripe


@pytest.mark.parametrize(
    "row",
    [
        _row("stripe", "canceled", held="sub_B", provider_event_at=APPLIED),  # the held one renews no more
        _row("stripe", "active", held="sub_A", provider_event_at=APPLIED),  # the one held itself
    ],
)
def test_no_rival_beside_a_row_that_gives_way(row: Subscription) -> None:
    assert rival(row, facts=_facts("active", "sub_A"), event_at=NOW, held_before=True, now=NOW) is None


@pytest.mark.parametrize("provider", ["code", "manual"])
def test_a_card_subscription_under_longer_given_premium_is_unwanted(provider: str) -> None:
    row = _row(provider, "active", end=MONTH + timedelta(days=1), held=None)
    assert _why(row, _facts("active")) == "under_longer_premium"


@pytest.mark.parametrize(
    ("provider", "state", "end", "canceled", "stands"),
    [
        ("stripe", "active", MONTH, None, True),
        ("stripe", "trialing", MONTH, None, True),
        ("stripe", "past_due", MONTH, None, True),
        ("stripe", "canceled", MONTH, NOW, True),  # can still be resumed in the portal
        ("stripe", "canceled", NOW, NOW, False),  # its period is over
        ("stripe", "expired", MONTH, NOW, False),
        # probe20 F1: charged again though its period is over (the renewal's event late, the card retried)
        ("stripe", "active", NOW - timedelta(hours=1), None, True),
        ("stripe", "past_due", NOW - timedelta(days=5), None, True),
        ("stripe", "trialing", NOW - timedelta(hours=1), NOW - timedelta(days=1), False),  # a cancelled trial, over
        # review20b F2: Stripe silent for longer than its longest retries past the period's end: its events were
        # lost; the row no longer holds the listener (it refused codes, grants and checkout for ever)
        ("stripe", "active", NOW - timedelta(days=62), None, True),
        ("stripe", "active", NOW - timedelta(days=62, seconds=1), None, False),
        ("stripe", "past_due", NOW - timedelta(days=200), None, False),
        ("stripe", "active", None, None, True),  # no known end: never taken as silent
        ("code", "active", MONTH, None, False),
        ("manual", "trialing", MONTH, None, False),
    ],
)
def test_while_a_card_subscription_stands(
    provider: str, state: str, end: datetime, canceled: datetime | None, stands: bool
) -> None:
    value = SubState(state).value
    assert card_subscription_stands(provider=provider, state=value, period_end=end, canceled_at=canceled, now=NOW) is (
        stands
    )


@pytest.mark.parametrize(
    ("label", "active", "why"),
    [
        (False, True, None),
        (True, True, "label_account"),
        (False, False, "account_disabled"),
        (True, False, "label_account"),
    ],
)
def test_premium_is_a_listeners(label: bool, active: bool, why: str | None) -> None:
    """probe20 N1: one rule for checkout, codes, trials and the admin's grant."""
    assert premium_refusal(label_account=label, active=active) == why
