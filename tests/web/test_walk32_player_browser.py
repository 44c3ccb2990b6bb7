"""Session 31's player leftovers (fixweb32), in real Chromium over a real server: shuffle off after a reload gives back
the order before shuffle, edits kept."""

import json

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import go
from tests.support.live import LiveServer
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_player_ads_browser import _sign_in_new_listener, live

__all__ = ["browser", "live"]
pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
TITLES = "[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)"
QUEUE = "[...document.querySelectorAll('#queue-list .track-title')].map(e => e.textContent)"


def _queue(page: Page) -> list[str]:
    page.wait_for_selector("#queue-list")
    titles: list[str] = page.evaluate(QUEUE)
    return titles


def _queue_is(page: Page, titles: list[str]) -> None:
    said = json.dumps(titles, separators=(",", ":"))  # as JSON.stringify writes it
    page.wait_for_function(f"JSON.stringify({QUEUE}) === {json.dumps(said)}", timeout=5000)


def test_shuffle_off_after_a_reload_gives_back_the_order_before_shuffle(live: LiveServer, browser: Browser) -> None:
    """Session 31's leftover: the order before shuffle was not saved with the queue, so after a reload shuffle off
    kept the shuffled order. Now it comes back, with a Play next made before the reload and a removal made after it."""
    page = _page(browser, **DESKTOP)
    _sign_in_new_listener(page, live)
    titles: list[str] = page.evaluate(TITLES)
    assert len(titles) >= 4 and len(set(titles)) == len(titles), titles
    t0, t2, last = titles[0], titles[2], titles[-1]
    page.locator("#main .track-play").first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    page.click("#btn-shuffle")
    page.locator("#main .track-more").nth(len(titles) - 1).click()
    page.get_by_role("menuitem", name="Play next").click()  # a second entry of the last track, after the current one
    # The album's order, the Play next right after the current track, less t2 (removed after the reload, below).
    expected = [t0, last, titles[1], *titles[3:]]
    go(page, "/queue")
    # A shuffle that, less t2, happens to be that order would prove nothing: shuffled again until it is not.
    while [t for t in _queue(page) if t != t2] == expected:
        for _ in range(2):
            page.click("#btn-shuffle")
        page.wait_for_timeout(100)
    shuffled = _queue(page)
    assert sorted(shuffled) == sorted([*titles, last]) and shuffled[0] == t0, shuffled

    page.reload()
    _queue_is(page, shuffled)  # the shuffled queue is back, shuffle still on
    assert page.get_attribute("#btn-shuffle", "aria-pressed") == "true"
    page.get_by_role("button", name=f"Remove {t2} from queue").click()  # an edit made with shuffle on, after the reload
    page.wait_for_function(f"!{QUEUE}.includes({t2!r})")
    page.click("#btn-shuffle")
    assert page.get_attribute("#btn-shuffle", "aria-pressed") == "false"
    _queue_is(page, expected)
    current = page.locator("#queue-list > li[aria-current=true] .track-title")
    assert current.count() == 1 and current.inner_text() == t0
    assert page.inner_text("#np-title") == t0
    page.close()
