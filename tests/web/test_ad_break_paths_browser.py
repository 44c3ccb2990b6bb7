"""The ad break as a listener meets it (issue #18): play/pause stays reachable (pause yes, skip no), and a
reload mid-ad resumes the ad where it was instead of from 0:00."""

import pytest
from playwright.sync_api import Browser

from tests.support.browser import FAST_AUDIO
from tests.support.live import LiveServer
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_listener_paths_browser import DESKTOP, PHONE
from tests.web.test_player_ads_browser import _listen_past_the_interval, _run_until_ad, _sign_in_new_listener, live
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


def test_an_ad_after_a_track_ends_shows_pause_while_it_plays_and_the_button_pauses_it(
    live: LiveServer, browser: Browser
) -> None:
    """review27b F4: a track's natural end (its pause event) left the button on "Play", and the ad that followed
    played under it unannounced, since the ad's own play event was dropped; pressing "Play" paused the ad."""
    page = _page(browser, **DESKTOP)
    listener = _sign_in_new_listener(page, live)
    page.locator("#main .track-play").first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    _listen_past_the_interval(live, listener)
    page.evaluate("(() => { const a = document.querySelector('#audio'); a.currentTime = a.duration - 0.5; })()")
    page.wait_for_selector("#ad-break:not([hidden])", timeout=15000)  # the track ended; the next one waits on the ad
    page.wait_for_function(
        "document.querySelector('#audio').currentTime > 0.3 && !document.querySelector('#audio').paused"
    )
    page.wait_for_selector("#btn-play[aria-label=Pause]", timeout=3000)
    assert page.locator(".player.is-playing").count() == 1
    page.click("#btn-play")
    page.wait_for_function("document.querySelector('#audio').paused")
    page.wait_for_selector("#btn-play[aria-label=Play]", timeout=3000)
    assert page.is_visible("#ad-break")
    page.click("#btn-play")  # resumed: the ad, still not skipped
    page.wait_for_selector("#btn-play[aria-label=Pause]", timeout=3000)
    assert not page.evaluate("document.querySelector('#audio').paused") and page.is_visible("#ad-break")
    page.evaluate(FAST_AUDIO)  # the rest of the ad at 2x: then the music, still under "Pause"
    page.wait_for_selector("#ad-break", state="hidden", timeout=20000)
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.5", timeout=15000)
    assert page.get_attribute("#btn-play", "aria-label") == "Pause"
    page.close()


def test_a_track_pressed_during_the_ad_plays_after_it_with_its_own_queue(live: LiveServer, browser: Browser) -> None:
    """review28b F7: the press was dropped, yet its list replaced the queue; after the ad the old track played."""
    page = _page(browser, **DESKTOP)
    titles = _run_until_ad(page, live)  # row 4 pressed, its ad playing
    page.locator("#main .track-play").nth(1).click()  # another track, mid-ad
    page.wait_for_selector("#toast:has-text('plays after the ad')", timeout=3000)
    assert page.inner_text("#np-title") == titles[3]  # the bar stays as it was while the ad plays
    page.evaluate(FAST_AUDIO)
    page.wait_for_selector("#ad-break", state="hidden", timeout=20000)
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[1]!r}", timeout=15000)
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    page.wait_for_timeout(500)  # the start that waited on the ad does not come back to its own track
    assert page.inner_text("#np-title") == titles[1]
    page.click("#btn-next")  # the queue is the pressed list, at the pressed track
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[2]!r}", timeout=15000)
    page.close()


def test_a_queued_track_pressed_during_the_ad_plays_after_it(live: LiveServer, browser: Browser) -> None:
    """review28d L2: the Queue view's rows called `player.start`, which returns during an ad: the press was lost."""
    page = _page(browser, **DESKTOP)
    titles = _run_until_ad(page, live)  # row 4 pressed, its ad playing; the queue is the album
    page.locator("#nav a[href='/queue']").click()
    page.get_by_role("button", name=f"Play {titles[1]}", exact=True).click()
    page.wait_for_selector("#toast:has-text('plays after the ad')", timeout=3000)
    page.evaluate(FAST_AUDIO)
    page.wait_for_selector("#ad-break", state="hidden", timeout=20000)
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[1]!r}", timeout=15000)
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    page.close()
