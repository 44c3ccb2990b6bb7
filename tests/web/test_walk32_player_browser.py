"""Session 31's player leftovers (fixweb32), in real Chromium over a real server: shuffle off after a reload gives back
the order before shuffle, edits kept; a Premium granted during an ad ends the break while the tab stays out of view, and
the tier is asked only while the ad plays (review32d L2: not while it is paused); the log-in says when this browser
itself signed the account out."""

import json
import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, Request
from sqlalchemy import select

from encore import billing
from encore.accounts import User
from encore.db import transaction
from tests.support.browser import go, sign_in
from tests.support.live import LiveServer
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_player_ads_browser import PASSWORD, _new_listener, _run_until_ad, _sign_in_new_listener, live
from tests.web.test_walk31_ads_browser import _MUSIC_PLAYING, _hold_the_ad, _signed_in_as

__all__ = ["browser", "live"]
pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
TITLES = "[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)"
QUEUE = "[...document.querySelectorAll('#queue-list .track-title')].map(e => e.textContent)"
TIER_LOOK_S = 4  # premium.js TIER_LOOK_MS


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


def _watch_requests(page: Page) -> tuple[list[float], list[str]]:
    """When the tab asked its tier (monotonic times), and the ad reports it sent (URLs)."""
    looks: list[float] = []
    reports: list[str] = []

    def seen(r: Request) -> None:
        path = r.url.split("?")[0]
        if path.endswith("/api/me/subscription"):
            looks.append(time.monotonic())
        elif path.endswith("/played") and "/api/ads/" in path:
            reports.append(path)

    page.on("request", seen)
    return looks, reports


def _slow_the_ad(page: Page) -> None:
    """The ad (under 8 s here) plays on at a quarter of its speed: it lasts longer than the looks a test waits for, so
    the break can only have ended by the grant, never by the ad's end (no "played" report)."""
    page.wait_for_function("[...document.querySelectorAll('#audio, #audio-next')].some(a => !a.paused && a.currentSrc)")
    page.evaluate(
        "const el = [...document.querySelectorAll('#audio, #audio-next')].find(a => !a.paused && a.currentSrc);"
        "window.__adSrc = el.currentSrc; el.playbackRate = 0.25"
    )


def _grant(page: Page, live: LiveServer) -> None:
    with transaction(live.container.sessions) as s:
        user = s.scalars(select(User).where(User.username == _signed_in_as(page))).one()
        billing.grant_premium(
            s, user_public_id=user.public_id, plan=live.container.settings.premium_plan, days=30, now=datetime.now(UTC)
        )


def test_a_grant_during_an_ad_ends_it_with_the_tab_out_of_view(live: LiveServer, browser: Browser) -> None:
    """Session 31's leftover: an admin's grant (or a purchase in another tab) reached a tab mid-ad only when the tab
    came back into view. Now the tab asks its tier every few seconds while the ad plays, and only then: none during the
    music before it, none once it ended."""
    page = _page(browser, **DESKTOP)
    looks, reports = _watch_requests(page)
    titles = _run_until_ad(page, live)
    assert not looks  # the music before the break: no look
    _slow_the_ad(page)
    _grant(page, live)
    # No visibilitychange: the tab is never looked at again.
    page.wait_for_selector("#ad-break", state="hidden", timeout=3 * TIER_LOOK_S * 1000)
    assert not reports  # ended by the grant, not by the ad's end
    page.wait_for_function(_MUSIC_PLAYING, timeout=15000)
    assert page.inner_text("#np-title") == titles[3]  # the track pressed before the ad, now heard
    assert looks
    ended = len(looks)
    page.wait_for_timeout(int(1.5 * TIER_LOOK_S * 1000))
    assert len(looks) == ended, "the tier was asked after the break ended"
    page.close()


def test_a_paused_ad_is_not_watched_and_play_looks_at_once(live: LiveServer, browser: Browser) -> None:
    """review32d L2: while the ad was paused, the tier was asked every 4 s with no end (hours, in a forgotten tab).
    Now a paused ad is not watched; pressing Play looks at once (a grant made meanwhile ends the break then) and
    watches again."""
    page = _page(browser, **DESKTOP)
    looks, reports = _watch_requests(page)
    titles = _run_until_ad(page, live)
    _hold_the_ad(page)
    page.wait_for_timeout(300)  # a look already on its way as the ad paused
    held = len(looks)
    page.wait_for_timeout(int(2.5 * TIER_LOOK_S * 1000))
    assert len(looks) == held, "the tier was asked while the ad was paused"
    _grant(page, live)
    page.evaluate("[...document.querySelectorAll('#audio, #audio-next')].forEach(a => { a.playbackRate = 0.25; })")
    pressed = time.monotonic()
    page.click("#btn-play")  # the listener resumes the ad
    page.wait_for_selector("#ad-break", state="hidden", timeout=3 * TIER_LOOK_S * 1000)
    assert not reports  # ended by the grant, not by the ad's end
    assert len(looks) > held and looks[held] - pressed < TIER_LOOK_S - 1  # at once, not at the next 4 s
    page.wait_for_function(_MUSIC_PLAYING, timeout=15000)
    assert page.inner_text("#np-title") == titles[3]
    page.close()


ENDED_BY_A_TAB = "You were logged out in another tab of this browser, so please log in again."
ENDED_EVERYWHERE = "You signed out everywhere from this browser, so please log in again."
ENDED_ELSEWHERE = "Your session ended (it expired, or it was signed out from elsewhere"


def test_the_log_in_says_when_this_browser_signed_the_account_out(live: LiveServer, browser: Browser) -> None:
    """Session 31's leftover: the log-in said "it expired, or you were signed out from another tab or device" whatever
    happened. What the browser did itself it now says (a shared computer's listener learns the Log out was pressed
    here); an end the server alone knows of (another device's Sign out everywhere) keeps the one wording, since the
    server tells a stale cookie nothing more."""
    context = browser.new_context(bypass_csp=True, **DESKTOP)  # type: ignore[arg-type]
    here, there = context.new_page(), context.new_page()
    listener = _new_listener(live)
    sign_in(here, live.base_url, listener, PASSWORD, "/library")
    here.wait_for_selector("#account .who")
    there.goto(live.base_url + "/")
    there.wait_for_selector("#account .who")

    there.click("#account button:text('Log out')")
    there.wait_for_selector("form.login")
    assert there.locator("#session-ended").count() == 0  # its own Log out needs no reason
    here.wait_for_selector("#session-ended")
    assert here.inner_text("#session-ended") == ENDED_BY_A_TAB

    # Another device signs out everywhere: the tab that meets the refusal, and the one it tells, say the server's end.
    sign_in(here, live.base_url, listener, PASSWORD, "/library")
    here.wait_for_selector("#account .who")
    there.reload()
    there.wait_for_selector("#account .who")
    elsewhere = browser.new_context()
    sign_in(elsewhere.new_page(), live.base_url, listener, PASSWORD, "/")
    out = elsewhere.request.post(f"{live.base_url}/api/me/sign-out-everywhere", headers={"X-Encore-CSRF": "1"})
    assert out.status == 204, out.text()
    elsewhere.close()
    go(there, "/settings")  # its next call is refused
    for page in (there, here):
        page.wait_for_selector("#session-ended")
        assert page.inner_text("#session-ended").startswith(ENDED_ELSEWHERE)

    # Sign out everywhere pressed in this browser: the tab that pressed it and the other one say so.
    sign_in(here, live.base_url, listener, PASSWORD, "/settings")
    here.wait_for_selector("#sign-out-everywhere")
    there.reload()
    there.wait_for_selector("#account .who")
    here.once("dialog", lambda d: d.accept())
    here.click("#sign-out-everywhere")
    for page in (here, there):
        page.wait_for_selector("#session-ended")
        assert page.inner_text("#session-ended") == ENDED_EVERYWHERE
    context.close()
