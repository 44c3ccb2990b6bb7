"""probe20 F1 on the admin page, in real Chromium: "Revoke Premium" asks first, and on a card subscriber it says
why it did nothing and what to do (Stripe's dashboard, or the listener's Manage subscription); it had no confirm
and wrote `expired` over the card's row while the card went on charging."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from encore.accounts import Role, create_user
from encore.billing import Subscription, Tier, tier_of
from encore.db import transaction
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_label_browser import _login

__all__ = ["browser"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    container = seeded_container(tmp_path_factory.mktemp("revoke"))
    now = container.clock.now()
    with transaction(container.sessions) as s:
        create_user(s, username="root", password="root-pass-1234", role=Role.ADMIN)
        payer = create_user(s, username="payer", password="listener-pass-1", display_name="Card Payer")
        s.add(  # what Stripe's webhooks left: a card subscription that renews
            Subscription(
                user_id=payer.id, plan="premium", state="active", provider="stripe",
                period_end=now + timedelta(days=20), provider_customer_id="cus_payer",
                provider_subscription_id="sub_payer",
            )
        )  # fmt: skip
    with serve(container) as server:
        yield server
    container.close()


def _payer_tier(live: LiveServer) -> Tier:
    with live.container.sessions() as s:
        user_id = s.scalars(select(Subscription.user_id)).one()
        return tier_of(s, user_id=user_id, now=live.container.clock.now())


def test_revoking_a_card_subscribers_premium_asks_then_says_what_to_do(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live, "root", "root-pass-1234")
    page.goto(live.base_url + "/admin")
    revoke = '.admin-users tr[data-user="payer"] button:text("Revoke Premium")'
    page.wait_for_selector(revoke)

    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click(revoke)
    assert asked and "payer" in asked[0] and "ends now" in asked[0]
    status = page.locator("#main .form-status").first  # the accounts section's
    assert status.inner_text() == ""  # dismissed: nothing sent

    page.once("dialog", lambda d: d.accept())
    page.click(revoke)
    page.wait_for_selector('#main .form-status:has-text("Stripe\'s dashboard")')
    said = status.inner_text()
    assert "pays for Premium by card" in said and "Manage subscription" in said
    assert page.locator('.admin-users tr[data-user="payer"] .tier').inner_text().startswith("Premium until")
    assert _payer_tier(live) == Tier.PREMIUM
    assert not errors, errors
    page.context.close()
