"""Session 30's ad-break leftovers in real Chromium: what is queued during an ad with shuffle on, and a sign-out in
another tab while this one is mid-ad."""

import pytest
from playwright.sync_api import Browser

from tests.support.live import LiveServer
from tests.web.test_ad_break_paths_browser import _ad_for, _end_the_ad, _plays, _queued, _said
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_listener_paths_browser import DESKTOP
from tests.web.test_player_ads_browser import _sign_in_new_listener, live

__all__ = ["browser", "live"]
pytestmark = pytest.mark.browser

# The shuffle's coin, fixed: Fisher-Yates with every draw at one half puts the second of three entries last, so a
# track shuffled in with the rest is seen out of place on every run, not on some of them.
_FIXED_SHUFFLE = "Math.random = () => 0.5;"


def test_play_next_during_an_ad_with_shuffle_on_plays_right_after_the_ad(live: LiveServer, browser: Browser) -> None:
    """Session 30's leftover: with shuffle on, a list pressed during an ad waits as the queue to be, and "Play next"
    went into that list, which was shuffled when the ad ended, the track chosen to play next with it. It plays
    right after the track pressed, and "Add to queue" stays at the end, as they do outside an ad."""
    page = _page(browser, **DESKTOP)
    page.add_init_script(_FIXED_SHUFFLE)
    listener = _sign_in_new_listener(page, live)
    t: list[str] = page.evaluate("[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)")
    rows = page.locator("#main .track-play")
    page.click("#btn-shuffle")
    assert page.get_attribute("#btn-shuffle", "aria-pressed") == "true"
    rows.first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    _ad_for(page, live, listener, rows.nth(3))
    rows.nth(1).click()  # the album, from its second track: the queue to be
    _said(page, t[1])
    page.get_by_role("button", name=f"More actions for {t[2]}", exact=True).click()
    page.get_by_role("menuitem", name="Play next").click()
    _said(page, t[2], " plays next")
    page.get_by_role("button", name=f"More actions for {t[0]}", exact=True).click()
    page.get_by_role("menuitem", name="Add to queue").click()
    page.wait_for_selector("#toast:has-text('Added to queue')", timeout=3000)
    _end_the_ad(page)
    _plays(page, t[1])
    page.locator("#nav a[href='/queue']").click()
    page.wait_for_function(f"document.querySelector('#main li.track .track-title').textContent === {t[1]!r}")
    queued = _queued(page)
    assert queued[:2] == [t[1], t[2]], queued  # played next, after the ad
    assert queued[-1] == t[0], queued  # added: last
    assert sorted(queued[2:-1]) == sorted(t[:1] + t[2:]), queued  # the album's others, shuffled between
    page.close()
