"""Free and Premium in real Chromium: the upgrade page (trial, redeem, card checkout through the real endpoint
and Stripe adapter, with stripe's client talking to a local stub), the account page's subscription, locked
exclusives with the upgrade prompt, and buy links on album and track views."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from encore import billing, exclusives
from encore.accounts import Role, User, create_user
from encore.catalog import Album, Track
from encore.db import transaction
from tests.support.browser import sign_in
from tests.support.live import LiveServer, seeded_container, serve
from tests.support.stripe_stub import HostedCheckout, StubStripe, running
from tests.web.test_first_page_browser import _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "listener-pass-1"


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedCheckout]:
    with running(HostedCheckout(tmp_path_factory.mktemp("tls"))) as page:
        yield page


@pytest.fixture(scope="module")
def stripe(hosted: HostedCheckout) -> Iterator[StubStripe]:
    with running(StubStripe(checkout_url=f"{hosted.base_url}/c/cs_test_1")) as stub:
        yield stub


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, stripe: StubStripe) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("premium")
    container = seeded_container(work, {"trial_days": 14, **stripe.settings()})
    now = datetime.now(UTC)
    plan = container.settings.premium_plan
    with transaction(container.sessions) as s:
        for name in ("free", "trialer", "redeemer", "rich", "buyer"):
            create_user(s, username=name, password=PW, display_name=name.title())
        create_user(s, username="root", password=PW, role=Role.ADMIN)
        rich = s.scalars(select(User).where(User.username == "rich")).one()
        billing.grant_premium(s, user_public_id=rich.public_id, plan=plan, days=30, now=now)
        album = s.scalars(select(Album).order_by(Album.id)).first()
        assert album is not None and album.label_id is not None
        last = s.scalars(select(Track).where(Track.album_id == album.id).order_by(Track.id.desc())).first()
        assert last is not None
        common = {"label_id": album.label_id, "album_id": album.public_id, "artist_id": None}
        exclusives.create_exclusive(
            s,
            **common,
            kind="interview",
            title="The making of the record",
            description="A talk in the studio.",
            track_id=None,
            availability=billing.Availability.PREMIUM,
            release_at=None,
            now=now,
        )
        exclusives.create_exclusive(
            s,
            **common,
            kind="prerelease",
            title=f"Early: {last.title}",
            description="",
            track_id=last.public_id,
            availability=billing.Availability.PRERELEASE,
            release_at=now + timedelta(days=20),
            now=now,
        )
    with serve(container) as server:
        yield server
    container.close()


def _login(page: Page, live: LiveServer, user: str, path: str = "/") -> None:
    sign_in(page, live.base_url, user, PW, path)  # without the form: see tests/support/browser.py


def _album(live: LiveServer) -> tuple[str, str, str]:
    with live.container.sessions() as s:
        album = s.scalars(select(Album).order_by(Album.id)).first()
        assert album is not None
        last = s.scalars(select(Track).where(Track.album_id == album.id).order_by(Track.id.desc())).first()
        assert last is not None
        return album.public_id, last.public_id, last.title


def _code(live: LiveServer) -> str:
    with transaction(live.container.sessions) as s:
        admin = s.scalars(select(User).where(User.username == "root")).one()
        plan = live.container.settings.premium_plan
        return billing.create_codes(s, admin_id=admin.id, plan=plan, days=30, count=1, now=datetime.now(UTC))[0]


def test_upgrade_page_starts_a_trial(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, "trialer", "/upgrade")
    page.wait_for_selector("#sub-state")
    assert page.inner_text("#sub-state") == "Free with ads"
    assert page.locator("#btn-subscribe").count() == 1  # this server offers card checkout too
    page.click("#btn-trial")
    page.wait_for_selector("#sub-state:text-matches('Premium trial until')")
    assert page.locator("#btn-trial").count() == 0
    assert page.locator("#btn-subscribe").count() == 0  # a trialing listener already has Premium
    page.goto(f"{live.base_url}/account")
    page.wait_for_selector("#account-sub")
    assert page.inner_text("#account-sub").startswith("Premium trial until")
    page.close()


def test_redeem_a_code_bad_code_then_good_code(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    _login(page, live, "redeemer", "/account")
    page.wait_for_selector("#account-sub")
    assert page.inner_text("#account-sub") == "Free with ads"
    page.click("text=Upgrade to Premium")
    page.wait_for_url("**/upgrade")
    page.fill("#redeem-code", "NOPE-NOPE-NOPE")
    page.get_by_role("button", name="Redeem").click()
    page.wait_for_selector("#upgrade-msg:text-matches('no such code')")
    assert page.inner_text("#sub-state") == "Free with ads"
    page.fill("#redeem-code", _code(live))
    page.get_by_role("button", name="Redeem").click()
    page.wait_for_selector("h1:text('You have Premium')")
    assert page.inner_text("#sub-state").startswith("Premium")
    page.close()


def test_subscribe_sends_the_browser_to_stripes_checkout_and_survives_an_outage(
    live: LiveServer, browser: Browser, stripe: StubStripe, hosted: HostedCheckout
) -> None:
    # The hosted page's certificate is self-signed for 127.0.0.1; only this context is told to accept it.
    page = _page(browser, viewport={"width": 1280, "height": 800}, ignore_https_errors=True)
    _login(page, live, "buyer", "/upgrade")
    page.wait_for_selector("#btn-subscribe")
    stripe.fail = True  # Stripe is down: a clear message, the listener stays where they were, nothing bound
    try:
        page.click("#btn-subscribe")
        page.wait_for_selector('#upgrade-msg:text-matches("Payments can\'t be reached right now")')
    finally:
        stripe.fail = False
    assert page.url.endswith("/upgrade") and hosted.opened == []
    page.click("#btn-subscribe")
    page.wait_for_url(stripe.checkout_url)
    page.wait_for_selector("h1:text('Pay for Encore Premium')")
    assert hosted.opened[0] == "/c/cs_test_1"  # (Chromium may then ask for /favicon.ico)
    with live.container.sessions() as s:
        buyer = s.scalars(select(User).where(User.username == "buyer")).one()
    sent = [(path, body) for path, body, _ in stripe.requests if path == "/v1/checkout/sessions"]
    assert sent and sent[-1][1]["client_reference_id"] == [buyer.public_id]
    assert sent[-1][1]["success_url"] == [f"{live.base_url}/account?checkout=done"]  # the address served (probe22)
    page.close()


def test_exclusives_are_locked_for_free_listeners_and_open_for_premium(live: LiveServer, browser: Browser) -> None:
    album_id, prerelease_id, prerelease_title = _album(live)
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, "free", f"/album/{album_id}")
    page.wait_for_selector(".exclusive")
    assert page.locator(".exclusive.locked-x").count() == 2
    assert "Premium only" in page.inner_text(".exclusives")
    # The pre-release track itself: the server refuses it, the player says why and offers the upgrade.
    page.get_by_role("button", name=f"Play {prerelease_title}").click()
    page.wait_for_selector("#premium-prompt")
    assert "pre-release" in page.inner_text("#premium-prompt")
    page.get_by_role("link", name="Upgrade to unlock The making of the record").click()
    page.wait_for_url("**/upgrade")
    page.close()

    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, "rich", f"/album/{album_id}")
    page.wait_for_selector(".exclusive")
    assert page.locator(".exclusive.locked-x").count() == 0
    page.get_by_role("button", name=f"Play Early: {prerelease_title}").click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    assert page.inner_text("#np-title") == prerelease_title
    assert page.locator(f'[data-exclusive] >> text="Early: {prerelease_title}"').count() == 1
    assert prerelease_id
    page.close()


def test_buy_links_on_album_and_track_views_are_counted_redirects(live: LiveServer, browser: Browser) -> None:
    album_id, prerelease_id, _ = _album(live)
    with live.container.sessions() as s:  # a track that is out (the album's last is the Premium pre-release)
        track_id = s.scalars(
            select(Track.public_id).join(Album).where(Album.public_id == album_id).order_by(Track.id)
        ).first()
    assert track_id is not None
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, "free", f"/album/{album_id}")
    page.wait_for_selector(".buy-links a.buy")
    hrefs = page.eval_on_selector_all(".buy-links a.buy", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and all(h.startswith(f"/api/buy/album/{album_id}/") for h in hrefs)
    assert page.get_attribute(".buy-links a.buy", "rel") == "noopener noreferrer"
    r = page.request.get(live.base_url + hrefs[0], max_redirects=0)
    assert r.status == 302 and r.headers["location"].startswith("https://")
    page.goto(f"{live.base_url}/track/{track_id}")
    page.wait_for_selector("text=Buy this track")
    track_hrefs = page.eval_on_selector_all(
        "a.buy[href*='/api/buy/track/']", "els => els.map(e => e.getAttribute('href'))"
    )
    assert track_hrefs and all(track_id in h for h in track_hrefs)
    assert page.request.get(f"{live.base_url}/api/tracks/{prerelease_id}/buy-links").json() == []  # not out yet
    page.close()


@pytest.mark.parametrize("user", ["free", "rich"])
def test_upgrade_page_without_a_card_prints_no_stray_word(live: LiveServer, browser: Browser, user: str) -> None:
    # Neither a free listener nor one with admin-granted Premium pays by card: no "Manage subscription", and
    # nothing in its place (probe21a F2: the page printed "null" under the price).
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, user, "/upgrade")
    page.wait_for_selector("#sub-state")
    assert page.locator("#btn-manage-sub").count() == 0
    loose = page.eval_on_selector(
        ".upgrade",
        "el => [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent)",
    )
    assert loose == []
    assert "null" not in page.inner_text("main").split()
    page.close()
