"""Premium paths in real Chromium (issue #18): locked content looks locked before the click, and no banner
covers the way to unlock it."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, Request
from sqlalchemy import select

from encore import billing, exclusives
from encore.accounts import User, create_user
from encore.catalog import Album, Track
from encore.db import transaction
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_listener_paths_browser import DESKTOP, PHONE
from tests.web.test_player_premium_browser import PW, _album, _login

__all__ = ["browser"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # A demo server without card payments: the upgrade page must still show the way to Premium.
    container = seeded_container(tmp_path_factory.mktemp("premium-paths"), {"mode": "demo"})
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        for name in ("free", "rich", "upgrader-desktop", "upgrader-phone"):
            create_user(s, username=name, password=PW, display_name=name.title())
        rich = s.scalars(select(User).where(User.username == "rich")).one()
        billing.grant_premium(s, user_public_id=rich.public_id, plan=container.settings.premium_plan, days=30, now=now)
        album = s.scalars(select(Album).order_by(Album.id)).first()
        assert album is not None and album.label_id is not None
        last = s.scalars(select(Track).where(Track.album_id == album.id).order_by(Track.id.desc())).first()
        assert last is not None
        common = {"label_id": album.label_id, "album_id": album.public_id, "artist_id": None, "description": ""}
        exclusives.create_exclusive(
            s,
            **common,
            kind="prerelease",
            title=f"Early: {last.title}",
            track_id=last.public_id,
            availability=billing.Availability.PRERELEASE,
            release_at=now + timedelta(days=20),
            now=now,
        )
        exclusives.create_exclusive(
            s,
            **common,
            kind="interview",
            title="The making of the record",
            track_id=None,
            availability=billing.Availability.PREMIUM,
            release_at=None,
            now=now,
        )
    with serve(container) as server:
        yield server
    container.close()


def topmost(page: Page, selector: str) -> bool:
    """Is the element the topmost thing at its own centre (nothing fixed lies over it)?"""
    return bool(
        page.eval_on_selector(
            selector,
            "el => { const r = el.getBoundingClientRect(); const top = document.elementFromPoint(r.x + r.width / 2,"
            " r.y + r.height / 2); return top !== null && el.contains(top); }",
        )
    )


def _uncovered(page: Page, selector: str) -> bool:
    """Scrolled as far towards the middle as the page allows, is the element uncovered?"""
    page.eval_on_selector(selector, "el => el.scrollIntoView({block: 'center'})")
    return topmost(page, selector)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_free_listener_sees_the_prerelease_locked_before_the_click(
    live: LiveServer, browser: Browser, device: str
) -> None:
    album_id, track_id, title = _album(live)
    page = _page(browser, **(DESKTOP if device == "desktop" else PHONE))
    asked: list[Request] = []
    page.on("request", lambda r: asked.append(r) if f"/api/tracks/{track_id}/stream" in r.url else None)
    _login(page, live, "free", f"/album/{album_id}")
    page.wait_for_selector(f"li.track.locked[data-track-id='{track_id}'] .lock-badge")
    assert page.locator("li.track.locked").count() == 1  # only the pre-release
    assert page.inner_text(f"li[data-track-id='{track_id}'] .lock-badge").startswith("🔒 Pre-release · out ")
    play = page.get_by_role("button", name=f"Play {title}")
    assert play.get_attribute("aria-describedby") == f"lock-{track_id}"  # read out with the button
    play.click()
    page.wait_for_selector("#premium-prompt.inline")
    assert "pre-release is for Premium listeners until" in page.inner_text("#premium-prompt")
    assert asked == []  # the locked row never asked for audio, so nothing starts at 0:00
    assert page.evaluate("document.querySelector('#audio').paused")
    assert _uncovered(page, "li.exclusive:last-of-type .x-upgrade")
    page.locator("#premium-prompt.inline").get_by_role("button", name="Dismiss").click()
    # The player's own floating prompt (a queue reaching a locked track) leaves room too.
    page.evaluate(
        "import('/static/premium.js').then(m => m.premiumPrompt(document.body, 'premium_required_prerelease'))"
    )
    page.wait_for_selector("body > #premium-prompt")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert _uncovered(page, "li.exclusive:last-of-type .x-upgrade")
    page.locator("li.exclusive:last-of-type .x-upgrade").click()
    page.wait_for_url("**/upgrade")
    page.close()


def test_a_premium_listener_sees_no_lock(live: LiveServer, browser: Browser) -> None:
    album_id, track_id, title = _album(live)
    page = _page(browser, **DESKTOP)
    _login(page, live, "rich", f"/album/{album_id}")
    page.wait_for_selector(".exclusive")
    page.get_by_role("button", name=f"Play {title}").click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    assert page.locator("li.track.locked").count() == 0
    assert track_id
    page.close()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_upgrading_on_the_demo_shows_the_checkout_and_a_demo_code(
    live: LiveServer, browser: Browser, device: str
) -> None:
    page = _page(browser, **(DESKTOP if device == "desktop" else PHONE))
    _login(page, live, f"upgrader-{device}", "/upgrade")
    page.wait_for_selector("#btn-subscribe")
    assert page.is_disabled("#btn-subscribe")  # the checkout is there, switched off, and says why
    assert (
        page.inner_text("#checkout-note")
        == "Paying by card is not set up on this server, so there is no checkout here."
    )
    page.fill("#redeem-code", "ZZZZ-ZZZZ")  # a wrong code first: its error goes when a good one fills the field
    page.get_by_role("button", name="Redeem").click()
    page.wait_for_function("document.querySelector('#upgrade-msg').textContent.includes('no such code')")
    page.click("#btn-demo-code")
    page.wait_for_selector("#demo-code code")
    code = page.inner_text("#demo-code code")
    assert page.input_value("#redeem-code") == code
    assert page.inner_text("#upgrade-msg") == ""  # review26b F5: "no such code" stayed under the good code
    page.get_by_role("button", name="Redeem").click()
    page.wait_for_selector("h1:text('You have Premium')")
    page.close()
