"""Session 31's queue and tier checks (fixweb31d), in real Chromium over a real server: the listener's queue edits made
with shuffle on survive turning shuffle off, and a page that only claims Premium during an ad gets no music for it."""

import json

import pytest
from playwright.sync_api import Browser, Page, Response

from tests.support.live import LiveServer
from tests.web.test_ad_break_edges_browser import _queued_around_an_ad
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_player_ads_browser import _SOUNDS, _run_until_ad, _sign_in_new_listener, live
from tests.web.test_walk31_ads_browser import _hold_the_ad

__all__ = ["browser", "live"]
pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
TITLES = "[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)"
# An element playing what was not an ad: each sound is recorded as it begins (_SOUNDS), an ad's with the overlay up.
_MUSIC = (
    "[...document.querySelectorAll('#audio, #audio-next')].some(a => !a.paused && a.getAttribute('src')"
    " && !window.__sounds.some(s => s.ad && s.src === a.getAttribute('src')))"
)
QUEUE = "[...document.querySelectorAll('#queue-list .track-title')].map(e => e.textContent)"


def _queue(page: Page) -> list[str]:
    page.wait_for_selector("#queue-list")
    titles: list[str] = page.evaluate(QUEUE)
    return titles


def _from_menu(page: Page, row: int, action: str) -> None:
    page.locator("#main .track-more").nth(row).click()
    page.get_by_role("menuitem", name=action).click()


def test_queue_edits_made_with_shuffle_on_stay_when_it_goes_off(live: LiveServer, browser: Browser) -> None:
    """L7: turning shuffle off put back the order from before shuffle, dropping every Play next, Add to queue, removal
    and move made meanwhile. Now the unshuffled order keeps them: Play next right after the current track, Add to queue
    at the end, a removed track gone, a track moved up to follow the current one still following it."""
    page = _page(browser, **DESKTOP)
    _sign_in_new_listener(page, live)
    titles: list[str] = page.evaluate(TITLES)
    assert len(titles) >= 4 and len(set(titles)) == len(titles), titles
    t0, t1, t2, last = titles[0], titles[1], titles[2], titles[-1]
    page.locator("#main .track-play").first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    page.click("#btn-shuffle")
    assert page.get_attribute("#btn-shuffle", "aria-pressed") == "true"

    _from_menu(page, len(titles) - 1, "Play next")  # a second entry of the last track, right after the current one
    _from_menu(page, len(titles) - 1, "Add to queue")  # a third one, at the end
    page.click("#nav a[data-nav=queue]")
    shuffled = _queue(page)
    assert shuffled[0] == t0 and shuffled[1] == last and shuffled[-1] == last, shuffled
    page.get_by_role("button", name=f"Remove {t2} from queue").click()
    page.wait_for_function(f"!{QUEUE}.includes({t2!r})")
    while (at := _queue(page).index(t1)) > 1:  # up until it follows the current track, before the Play next
        page.get_by_role("button", name=f"Move {t1} up").click()
        page.wait_for_function(f"{QUEUE}.indexOf({t1!r}) === {at - 1}")

    page.click("#btn-shuffle")
    assert page.get_attribute("#btn-shuffle", "aria-pressed") == "false"
    # The album's order, t2 removed, t1 moved to follow the current track, the Play next after it, the album's own
    # entry of the last track, and the one added to the queue at the end.
    expected = [t0, t1, last, *titles[3:-1], last, last]
    said = json.dumps(expected, separators=(",", ":"))  # as JSON.stringify writes it
    page.wait_for_function(f"JSON.stringify({QUEUE}) === {json.dumps(said)}", timeout=5000)
    # The current track plays on, still the current entry.
    current = page.locator("#queue-list > li[aria-current=true] .track-title")
    assert current.count() == 1 and current.inner_text() == t0
    assert page.inner_text("#np-title") == t0
    page.wait_for_function("(a => !a.paused && a.currentTime > 0.5)(document.querySelector('#audio'))")
    page.close()


def test_what_was_queued_around_a_list_pressed_during_an_ad_stays_when_shuffle_goes_off(
    live: LiveServer, browser: Browser
) -> None:
    """L7, during an ad: with shuffle on, the Play next and Add to queue placed around a list pressed mid-ad (playList's
    `next` and `last`) went into the shuffled queue only, and shuffle off dropped them."""
    page = _page(browser, **DESKTOP)
    listener = _sign_in_new_listener(page, live)
    t, queued = _queued_around_an_ad(page, live, listener)
    assert len(queued) == len(t) + 2
    page.click("#btn-shuffle")
    assert page.get_attribute("#btn-shuffle", "aria-pressed") == "false"
    # The album's order, the Play next right after the track pressed, the added track at the end.
    expected = [t[0], t[1], t[2], *t[2:], t[0]]
    said = json.dumps(expected, separators=(",", ":"))
    page.wait_for_function(f"JSON.stringify({QUEUE}) === {json.dumps(said)}", timeout=5000)
    assert page.inner_text("#np-title") == t[1]
    page.close()


def test_a_page_that_claims_premium_during_an_ad_gets_no_music(live: LiveServer, browser: Browser) -> None:
    """A free listener's page announces a Premium tier of its own making mid-ad (the event premium.js's watchTier
    listens to): the tab ends its break, but the server decides, and the next play is refused with the break still
    due; the ad comes back and the music does not play."""
    page = _page(browser, **DESKTOP)
    _run_until_ad(page, live)
    _hold_the_ad(page)
    page.evaluate(_SOUNDS)

    def stream_request(r: Response) -> bool:
        return "/api/tracks/" in r.url and r.url.endswith("/stream") and r.request.method == "POST"

    with page.expect_response(stream_request, timeout=15000) as answer:
        page.evaluate("window.dispatchEvent(new CustomEvent('encore:tier', { detail: { tier: 'premium' } }))")
    refused = answer.value
    assert refused.status >= 400 and "ad_break_due" in refused.text(), (refused.status, refused.text())
    page.wait_for_selector("#ad-break:not([hidden])", timeout=10000)  # the break is owed again
    page.wait_for_function("window.__sounds.some(s => s.ad)", timeout=10000)  # the ad plays again
    page.wait_for_timeout(1500)
    assert not page.evaluate(_MUSIC), page.evaluate("window.__sounds")
    page.close()
