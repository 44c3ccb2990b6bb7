"""The ad break as a listener meets it (issue #18): play/pause stays reachable (pause yes, skip no), and a
reload mid-ad resumes the ad where it was instead of from 0:00."""

import pytest
from playwright.sync_api import Browser

from tests.support.browser import FAST_AUDIO
from tests.support.live import LiveServer
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_listener_paths_browser import DESKTOP, PHONE
from tests.web.test_player_ads_browser import _run_until_ad, live
from tests.web.test_premium_paths_browser import topmost

__all__ = ["browser", "live"]
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_ad_can_be_paused_not_skipped_and_a_reload_resumes_it(
    live: LiveServer, browser: Browser, device: str
) -> None:
    page = _page(browser, **(DESKTOP if device == "desktop" else PHONE))
    _run_until_ad(page, live)
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.5", timeout=15000)
    assert topmost(page, "#btn-play"), "the ad overlay covers play/pause"
    assert page.is_disabled("#btn-next")
    page.click("#btn-play")
    page.wait_for_function("document.querySelector('#audio').paused")
    held = page.evaluate("document.querySelector('#audio').currentTime")
    page.wait_for_timeout(800)
    assert page.evaluate("document.querySelector('#audio').currentTime") == held  # paused means paused
    assert page.is_visible("#ad-break")
    page.click("#btn-play")
    page.wait_for_function(f"document.querySelector('#audio').currentTime > {held + 1.0}", timeout=10000)
    heard = page.evaluate("document.querySelector('#audio').currentTime")

    page.add_init_script(FAST_AUDIO)  # the resumed ad plays out at 2x (pausing and holding were at its own pace)
    page.reload()
    page.wait_for_selector("#main .track-play")
    page.locator("#main .track-play").nth(2).click()  # the server hands out the same open break
    page.wait_for_selector("#ad-break:not([hidden])", timeout=15000)
    page.wait_for_function("document.querySelector('#audio').currentTime > 0", timeout=15000)
    resumed = page.evaluate("document.querySelector('#audio').currentTime")
    assert resumed >= heard - 0.5, (heard, resumed)  # not from the beginning
    page.wait_for_selector("#ad-break", state="hidden", timeout=20000)
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.5", timeout=15000)
    assert page.evaluate("localStorage.getItem('encore.ad.v1')") is None  # done: nothing left to resume
    page.close()
