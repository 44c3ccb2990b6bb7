"""Session 31's Chromium walk (review31b), the ad break, in real Chromium: an account that becomes Premium during
an ad hears its music at once (the server agrees: Premium's next stream is allowed), and the bar shows the ad's own
time, not the end of the track before it."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from encore import billing
from encore.accounts import Role, User, create_user
from encore.db import transaction
from tests.support.browser import go
from tests.support.live import LiveServer
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_player_ads_browser import _run_until_ad, live
from tests.web.test_player_premium_browser import _code

__all__ = ["browser", "live"]
pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

# Music playing, past its first 0.3 s: not the ad held (_hold_the_ad), and not paused.
_MUSIC_PLAYING = (
    "[...document.querySelectorAll('#audio, #audio-next')].some(a => !a.paused && a.currentTime > 0.3"
    " && a.currentSrc && a.currentSrc !== window.__adSrc)"
)


def _hold_the_ad(page: Page) -> None:
    """The ad paused where it is (the bar's Play button may pause an ad): it stays the break under way however long
    the test takes, as a listener reading the upgrade page while it plays."""
    page.wait_for_function("[...document.querySelectorAll('#audio, #audio-next')].some(a => !a.paused && a.currentSrc)")
    page.evaluate(
        "const els = [...document.querySelectorAll('#audio, #audio-next')];"
        "window.__adSrc = els.find(a => !a.paused && a.currentSrc).currentSrc;"
        "els.forEach(a => a.pause())"
    )


def _signed_in_as(page: Page) -> str:
    return str(page.evaluate("fetch('/api/me').then(r => r.json()).then(me => me.username)"))


def test_redeeming_premium_during_an_ad_ends_it_and_the_music_goes_on(live: LiveServer, browser: Browser) -> None:
    """review31b M4: the upgrade page said "No ads" while the ad played on, its overlay still offering "Go Premium"."""
    with transaction(live.container.sessions) as s:  # the codes' maker (billing.create_codes needs an admin)
        if s.scalars(select(User).where(User.username == "root")).first() is None:
            create_user(s, username="root", password="root-pass-31", role=Role.ADMIN)
    page = _page(browser, **DESKTOP)
    titles = _run_until_ad(page, live)
    _hold_the_ad(page)
    go(page, "/upgrade")
    page.fill("#redeem-code", _code(live))
    page.click("form.inline-form button[type=submit]")
    page.wait_for_selector("#sub-state:text-matches('^Premium')")
    page.wait_for_selector("#ad-break", state="hidden", timeout=10000)
    page.wait_for_function(_MUSIC_PLAYING, timeout=15000)
    assert page.inner_text("#np-title") == titles[3]  # the track pressed before the ad, now heard
    assert not page.is_disabled("#btn-next")  # the ad's lock is gone
    page.close()


def test_an_admins_grant_seen_during_an_ad_ends_it(live: LiveServer, browser: Browser) -> None:
    """review31b M4, the grant made elsewhere: the tab looks at its tier when it comes back into view mid-ad."""
    page = _page(browser, **DESKTOP)
    titles = _run_until_ad(page, live)
    _hold_the_ad(page)
    with transaction(live.container.sessions) as s:
        user = s.scalars(select(User).where(User.username == _signed_in_as(page))).one()
        billing.grant_premium(
            s, user_public_id=user.public_id, plan=live.container.settings.premium_plan, days=30, now=datetime.now(UTC)
        )
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # the listener looks at the tab again
    page.wait_for_selector("#ad-break", state="hidden", timeout=10000)
    page.wait_for_function(_MUSIC_PLAYING, timeout=15000)
    assert page.inner_text("#np-title") == titles[3]
    page.close()


def test_the_bar_shows_the_ads_own_time(live: LiveServer, browser: Browser) -> None:
    """review31b L5: during an ad the bar kept the track before's time ("1:28 / 1:28", a full seek bar) under the
    next title."""
    page = _page(browser, **DESKTOP)
    _run_until_ad(page, live)
    seek_max = float(page.get_attribute("#seek", "max") or "0")
    assert 0 < seek_max < 8, seek_max  # the ad's length (5 s), not the 31 s track's
    assert page.inner_text("#time-dur") == "0:05"
    page.wait_for_function("Number(document.querySelector('#seek').value) > 0.5", timeout=10000)  # the ad's time
    assert float(page.eval_on_selector("#seek", "s => Number(s.value)")) < seek_max
    said = page.get_attribute("#seek", "aria-valuetext") or ""
    assert said.endswith(" of 0:05"), said
    page.close()
