"""Dead ends in the web player that probe18 found (session 18).

Other listeners' public playlists and profiles were reachable only by URL (F5): the player's search now finds
public playlists (never a private one) and a playlist's "by <owner>" links to the owner's profile. A Wrapped
year with no listening says so and leads to the years there are; a label account is not offered Premium (F7).

A failed ad request used to stop the music without a word (F1): the next track is refused while an ad is due,
the ad could not be fetched, and the player threw. Now it says what happened and offers Retry, which plays the
ad and then the music once the network is back; failing the ad skips nothing (the server still refuses)."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, Route
from sqlalchemy import select

from encore import library
from encore.accounts import Role, create_user
from encore.catalog import Album
from encore.db import transaction
from tests.support.browser import FAST_AUDIO, sign_in
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _login, _page, browser
from tests.web.test_player_ads_browser import _listen_past_the_interval, _sign_in_new_listener, live

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
    page.add_init_script(FAST_AUDIO)  # the ad and the music at 2x: nothing is checked while the ad plays
    listener = _sign_in_new_listener(page, live)  # the ads module's listeners are one a test: a clock from zero
    titles: list[str] = page.evaluate("[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)")
    ids: list[str] = page.evaluate(
        "[...document.querySelectorAll('#main li[data-track-id]')].map(e => e.dataset.trackId)"
    )
    page.locator("#main .track-play").first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    _listen_past_the_interval(live, listener)  # an ad is due
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


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    container = seeded_container(tmp_path_factory.mktemp("town"))
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
        alice = create_user(s, username="alice", password="alice-pass-123", display_name="Alice Lyre")
        library.create_playlist(s, owner_id=alice.id, name="Harbour Nights", public=True, now=now)
        library.create_playlist(s, owner_id=alice.id, name="Harbour Secrets", public=False, now=now)
        album = s.scalars(select(Album).where(Album.label_id.is_not(None)).order_by(Album.id)).first()
        assert album is not None
        create_user(s, username="label", password="label-pass-123", role=Role.LABEL).label_id = album.label_id
    with serve(container) as server:
        yield server
    container.close()


def test_search_finds_anothers_public_playlist_whose_owner_links_to_their_profile(
    town: LiveServer, browser: Browser
) -> None:
    page = _page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    _login(page, town, "/search?q=harbour")
    page.wait_for_selector("#search-playlists .card")
    cards = page.locator("#search-playlists .card")
    assert cards.count() == 1  # the private one is never found
    assert "by Alice Lyre" in cards.first.inner_text()
    cards.first.click()
    page.wait_for_selector("h1:has-text('Harbour Nights')")
    owner = page.locator(".hero-artists a")
    assert owner.inner_text() == "Alice Lyre"
    owner.click()
    page.wait_for_url("**/user/*")
    page.wait_for_selector("h1:has-text('Alice Lyre')")
    assert "Harbour Nights" in page.inner_text("#main") and "Harbour Secrets" not in page.inner_text("#main")
    page.close()


def test_a_wrapped_year_with_no_listening_says_so_and_leads_to_the_years_there_are(
    town: LiveServer, browser: Browser
) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, town, "/wrapped/1999")
    page.wait_for_selector("#no-wrapped")
    text = page.inner_text("#main")
    assert "No Wrapped for 1999" in text and "no listening in 1999" in text, text
    assert "mistyped" not in text
    assert page.locator("#main a[href='/wrapped']").count() == 1  # no years yet: the way to Wrapped
    # probe20 N2: a year (or decade) in range without listening showed cards of zeros; it says the same now
    for period, words in (("2019", "in 2019"), ("2010s", "in the 2010s")):
        page.goto(f"{town.base_url}/wrapped/{period}")
        page.wait_for_selector("#no-wrapped")
        text = page.inner_text("#main")
        assert f"No Wrapped for {period}" in text and f"no listening {words}" in text, text
        assert page.locator(".wrapped-stage").count() == 0 and "0 minutes" not in text
    page.close()


def test_a_label_account_is_not_offered_premium(town: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    sign_in(page, town.base_url, "label", "label-pass-123", "/upgrade")  # straight there: home checks nothing here
    page.wait_for_selector("#sub-state")
    assert "label account" in page.inner_text("#sub-state")
    assert page.locator("#main button").count() == 0  # no Subscribe, demo code or Redeem
    page.goto(town.base_url + "/settings")
    page.wait_for_selector("h1:has-text('Account and settings')")
    assert page.locator("#account-sub, .upgrade-link").count() == 0
    page.close()
