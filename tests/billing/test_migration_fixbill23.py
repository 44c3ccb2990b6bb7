"""fixbill23_1, on SQLite and PostgreSQL: the subscriptions the rows held before the upgrade (the current one and
the last one ended, a card's ids kept under a code's row too) are known as held, under their customer's
provider; a row with no customer (a grant, a code) gives none. Down and up again."""

from datetime import UTC, datetime

from sqlalchemy import inspect, select

from encore.accounts import create_user
from encore.billing import BillingCustomer, HeldSubscription, Subscription
from encore.bootstrap import Container
from encore.db import transaction
from tests.billing.test_migration_money14b import _migrate

AT = datetime(2026, 12, 1, tzinfo=UTC)
PREVIOUS = "trust22_1"


def _held(c: Container) -> set[tuple[str, str, str]]:
    with c.sessions() as s:
        rows = s.execute(
            select(HeldSubscription.provider, HeldSubscription.subscription_id, Subscription.plan).join(
                Subscription, Subscription.user_id == HeldSubscription.user_id
            )
        ).all()
    return {(provider, sub_id, plan) for provider, sub_id, plan in rows}


def test_the_subscriptions_rows_held_are_known_after_the_upgrade(container: Container) -> None:
    _migrate(container, to=PREVIOUS)
    with container.engine.connect() as conn:
        assert "held_provider_subscriptions" not in inspect(conn).get_table_names()
    # user: (row's provider, customer bound, current subscription, last one ended)
    story = {
        "card": ("stripe", "cus_card", "sub_now", "sub_ended"),
        "same": ("stripe", "cus_same", "sub_same", "sub_same"),  # ended: one id, kept once
        "code": ("code", "cus_code", "sub_before_code", None),  # a code after a card: the card's id kept
        "grant": ("manual", None, None, None),
    }
    with transaction(container.sessions) as s:
        for name, (provider, customer, current, ended) in story.items():
            user = create_user(s, username=name, password="listener-pass-1")
            if customer is not None:
                s.add(BillingCustomer(user_id=user.id, provider="stripe", customer_id=customer))
            s.add(
                Subscription(
                    user_id=user.id, plan=name, state="active", provider=provider, period_end=AT,
                    provider_customer_id=customer, provider_subscription_id=current,
                    provider_ended_subscription_id=ended,
                )
            )  # fmt: skip
    _migrate(container, to="head")
    expected = {
        ("stripe", "sub_now", "card"),
        ("stripe", "sub_ended", "card"),
        ("stripe", "sub_same", "same"),
        ("stripe", "sub_before_code", "code"),
    }
    assert _held(container) == expected
    _migrate(container, to=PREVIOUS)
    with container.engine.connect() as conn:
        assert "held_provider_subscriptions" not in inspect(conn).get_table_names()
    _migrate(container, to="head")
    assert _held(container) == expected
