"""Dead ends in the web player that probe18 found (session 18).

A failed ad request used to stop the music without a word (F1): the next track is refused while an ad is due,
the ad could not be fetched, and the player threw. Now it says what happened and offers Retry, which plays the
ad and then the music once the network is back; failing the ad skips nothing (the server still refuses)."""

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.support.live import LiveServer, first_album_id
from tests.web.test_first_page_browser import _login, _page, browser
from tests.web.test_player_ads_browser import INTERVAL_S, live

__all__ = ["browser", "live"]
pytestmark = pytest.mark.browser

REFUSED = """async (id) => {
  const r = await fetch(`/api/tracks/${id}/stream`, {method: "POST", headers: {"X-Encore-CSRF": "1",
    "Content-Type": "application/json"}, body: "{}"});
  return [r.status, (await r.json()).error?.code || null];
}"""


def _fail(how: str):  # type: ignore[no-untyped-def]
    def handler(route: Route) -> None:
        if how == "network":
            route.abort("blockedbyclient")  # what an ad blocker's URL filter does
        else:
            route.fulfill(status=503, content_type="application/json", body='{"error":{"code":"unavailable"}}')

    return handler


@pytest.mark.parametrize("how", ["network", "5xx"])
def test_a_failed_ad_is_said_with_a_retry_that_plays_the_ad_then_the_music(
    live: LiveServer, browser: Browser, how: str
) -> None:
    page: Page = _page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live, f"/album/{first_album_id(live.container)}")
    page.wait_for_selector("#main .track-play")
    titles: list[str] = page.evaluate("[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)")
    ids: list[str] = page.evaluate(
        "[...document.querySelectorAll('#main li[data-track-id]')].map(e => e.dataset.trackId)"
    )
    page.locator("#main .track-play").first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    page.wait_for_timeout((INTERVAL_S + 1) * 1000)  # listen past the interval: an ad is due
    page.route("**/api/ads/**", _fail(how))
    page.locator("#main .track-play").nth(3).click()
    notice = page.wait_for_selector("#ad-failed[role=alert]", timeout=15000)
    assert "ad couldn't load" in notice.inner_text()
    assert page.is_visible("#ad-failed >> text=Retry")
    assert page.is_hidden("#ad-break")
    assert page.evaluate("[...document.querySelectorAll('#audio, #audio-next')].every(a => a.paused)")
    assert errors == []  # no uncaught "Failed to fetch"
    # Failing the ad skips nothing: the music is still refused while the ad is not done.
    assert page.evaluate(REFUSED, ids[3]) == [403, "ad_break_due"]
    # Play again says it again, rather than doing nothing.
    page.evaluate("document.querySelector('#ad-failed').remove()")
    page.click("#btn-play")
    page.wait_for_selector("#ad-failed[role=alert]", timeout=15000)
    # The network is back: Retry plays the ad, then the chosen track.
    page.unroute("**/api/ads/**")
    page.click("#ad-failed >> text=Retry")
    page.wait_for_selector("#ad-break:not([hidden])", timeout=15000)
    assert page.query_selector("#ad-failed") is None
    page.wait_for_selector("#ad-break", state="hidden", timeout=20000)
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[3]!r}")
    page.wait_for_function(
        "[...document.querySelectorAll('#audio, #audio-next')].some(a => !a.paused && a.currentTime > 0.5)",
        timeout=15000,
    )
    assert errors == []
    page.close()
