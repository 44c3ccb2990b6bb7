"""The ad break as a listener meets it (issue #18): play/pause stays reachable (pause yes, skip no), and a
reload mid-ad resumes the ad where it was instead of from 0:00."""

import json

import pytest
from playwright.sync_api import APIResponse, Browser, Locator, Page, Route

from tests.support.browser import FAST_AUDIO
from tests.support.live import LiveServer
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_listener_paths_browser import DESKTOP, PHONE
from tests.web.test_player_ads_browser import (
    PASSWORD,
    _listen_past_the_interval,
    _new_listener,
    _run_until_ad,
    _sign_in_new_listener,
    live,
)
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


# What the page gave the Media Session (the lock screen, headphones' and keyboards' media keys): `__media` holds each
# action's handler now (null: the OS offers no such button), `__mediaSeen` the last one ever given, to press as a
# media key that raced the lock would.
_MEDIA_SESSION = """(() => {
  window.__media = {};
  window.__mediaSeen = {};
  const ms = navigator.mediaSession;
  const set = ms.setActionHandler.bind(ms);
  ms.setActionHandler = (action, fn) => {
    window.__media[action] = fn;
    if (fn) window.__mediaSeen[action] = fn;
    set(action, fn);
  };
})();"""
_SHOWN = "document.querySelector('#np-title').textContent"


def _ad_for(page: Page, live: LiveServer, listener: str, press: Locator) -> None:
    """An ad break, due when `press` asks for its track, held on (its ad paused): what is pressed during it is
    pressed during it, however slow the machine. The music is paused meanwhile, so that its end does not bring
    the break before `press` does."""
    page.evaluate("document.querySelector('#audio').pause()")
    _listen_past_the_interval(live, listener)
    _press(page, press)
    page.wait_for_selector("#ad-break:not([hidden])", timeout=15000)
    page.evaluate("document.querySelector('#audio').pause()")


def _end_the_ad(page: Page) -> None:
    page.evaluate("window.__adSrc = document.querySelector('#audio').src")
    page.evaluate(FAST_AUDIO)
    page.evaluate("document.querySelector('#audio').play()")
    page.wait_for_selector("#ad-break", state="hidden", timeout=20000)


# The track pressed is what plays: not the ad, nor the track before it, which plays on until its successor's URL
# comes (or the ad that URL's refusal brings).
_MUSIC = (
    "(a => ![window.__adSrc, window.__before].includes(a.src) && a.currentTime > 0.3)(document.querySelector('#audio'))"
)


def _press(page: Page, what: Locator) -> None:
    page.evaluate("window.__before = document.querySelector('#audio').src")
    what.click()


def _settle(page: Page) -> None:
    """Music playing and no ad on. One that came due meanwhile is played out: the module's interval is 10 s and the
    ad clock charges the audio sent, faster than it plays, so a Next can meet one. A press made during it would wait
    for it, and the next step's press would not start the break it means to."""
    for _ in range(3):
        page.wait_for_function(f"!document.querySelector('#ad-break').hidden || {_MUSIC}", timeout=20000)
        if page.is_hidden("#ad-break"):
            return
        _end_the_ad(page)
    raise AssertionError("an ad after an ad after an ad")


def _plays(page: Page, title: str) -> None:
    page.wait_for_function(f"{_SHOWN} === {title!r}", timeout=15000)
    _settle(page)
    page.wait_for_timeout(300)  # the start that waited on the ad does not come back to its own track
    assert page.inner_text("#np-title") == title


def _said(page: Page, title: str, what: str = " plays after the ad") -> None:
    page.wait_for_selector(f"#toast:has-text({f'{title}{what}'!r})", timeout=3000)


def _queued_js() -> str:
    return "JSON.stringify([...document.querySelectorAll('#main li.track .track-title')].map(e => e.textContent))"


def _queued(page: Page) -> list[str]:
    return list(json.loads(page.evaluate(_queued_js())))


def test_a_track_pressed_during_an_ad_plays_after_it_from_every_view(live: LiveServer, browser: Browser) -> None:
    """review28b F7, review28d L2 and session 28's note: every start waits for the ad itself (`Player.start`), so
    the album, the Queue view, the track menu (Play next, Start radio) and search need no case of their own; the
    last press wins; what is queued and moved during the ad stays; the media keys neither skip the ad nor move the
    track waiting on it, and the lock screen names the ad. Four ad breaks on one page, each ad held while pressed."""
    page = _page(browser, **DESKTOP)
    page.add_init_script(_MEDIA_SESSION)
    listener = _sign_in_new_listener(page, live)
    t: list[str] = page.evaluate("[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)")
    assert len(t) == 4 and len(set(t)) == 4, t
    rows = page.locator("#main .track-play")
    rows.first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)

    # 1. The album: a row pressed, a row's Play next, and the media keys, during the ad for row 4.
    _ad_for(page, live, listener, rows.nth(3))  # not the prefetched track: a fresh URL is needed
    ad_src = page.get_attribute("#audio", "src")
    taken = "['nexttrack', 'previoustrack', 'seekto'].map((a) => window.__media[a] === null)"
    assert page.evaluate(taken) == [True, True, True]  # the lock screen offers no skip the bar does not
    assert page.evaluate("navigator.mediaSession.metadata.title") == "Ad"
    page.evaluate("window.__mediaSeen.nexttrack(); window.__mediaSeen.previoustrack()")  # pressed anyway
    rows.nth(1).click()
    _said(page, t[1])
    page.get_by_role("button", name=f"More actions for {t[0]}", exact=True).click()
    page.get_by_role("menuitem", name="Play next").click()
    _said(page, t[0], " plays next")
    assert page.inner_text("#np-title") == t[3]  # nothing shown as playing while the ad plays
    assert page.get_attribute("#audio", "src") == ad_src and page.is_visible("#ad-break")  # not skipped
    _end_the_ad(page)
    _plays(page, t[1])
    assert page.evaluate("typeof window.__media.nexttrack") == "function"
    assert page.evaluate("navigator.mediaSession.metadata.title") == t[1]
    _press(
        page, page.locator("#btn-next")
    )  # the pressed list is the queue, the track played next after the pressed one
    _plays(page, t[0])
    _press(page, page.locator("#btn-next"))
    _plays(page, t[2])

    # 2. The Queue view: a queued track pressed, another moved, during the ad for the album's first track.
    _ad_for(page, live, listener, rows.first)  # the album again, from its first track
    page.locator("#nav a[href='/queue']").click()
    page.get_by_role("button", name=f"Play {t[2]}", exact=True).click()
    _said(page, t[2])
    page.get_by_role("button", name=f"Move {t[2]} up", exact=True).click()  # the entry pressed, moved
    moved = [t[0], t[2], t[1], t[3]]
    assert _queued(page) == moved
    page.go_back()  # to the album, in the page
    page.get_by_role("button", name=f"More actions for {t[3]}", exact=True).click()
    page.get_by_role("menuitem", name="Play next").click()  # after the entry pressed, not the track waiting (29d M1)
    _said(page, t[3], " plays next")
    page.go_forward()  # the Queue view again
    moved = [t[0], t[2], t[3], t[1], t[3]]
    as_js = json.dumps(json.dumps(moved, separators=(",", ":")))  # a JS string of what JSON.stringify writes
    page.wait_for_function(f"{_queued_js()} === {as_js}", timeout=5000)
    _end_the_ad(page)
    _plays(page, t[2])
    assert _queued(page) == moved  # the move made during the ad stays
    _press(page, page.locator("#btn-next"))
    _plays(page, t[3])

    # 3. The track menu's Start radio, during the ad for a queued track pressed.
    _ad_for(page, live, listener, page.get_by_role("button", name=f"Play {t[0]}", exact=True))
    page.go_back()  # to the album, in the page
    page.get_by_role("button", name=f"More actions for {t[2]}", exact=True).click()
    with page.expect_response("**/api/radio/track/**") as answer:
        page.get_by_role("menuitem", name="Start radio").click()
    radio = [x["title"] for x in answer.value.json()["tracks"]]
    assert len(radio) >= 3, radio
    _said(page, radio[0])
    _end_the_ad(page)
    _plays(page, radio[0])
    page.go_forward()  # the Queue view: the radio's tracks
    page.wait_for_function(f"document.querySelector('#main li.track .track-title').textContent === {radio[0]!r}")
    assert _queued(page)[: len(radio)] == radio

    # 4. Search, pressed after a queued track during the same ad: the last press wins.
    _ad_for(page, live, listener, page.get_by_role("button", name=f"Play {radio[2]}", exact=True).first)
    page.get_by_role("button", name=f"Play {radio[1]}", exact=True).first.click()
    _said(page, radio[1])
    page.fill("#search-input", t[3])
    page.wait_for_url("**/search?q=*")
    page.locator("#main li.track .track-play").filter(has_text=t[3]).first.click()
    _said(page, t[3])
    _end_the_ad(page)
    _plays(page, t[3])
    page.close()


def test_a_log_out_during_an_ad_ends_it_for_the_next_account_in_the_tab(live: LiveServer, browser: Browser) -> None:
    """review29d M2: a log-out during an ad only paused it; the next account signed in in the same tab (the log-in
    form, no page load) met the ad on, the bar locked, and its presses waited on an ad that was not its own."""
    page = _page(browser, **DESKTOP)
    listener = _sign_in_new_listener(page, live)
    rows = page.locator("#main .track-play")
    rows.first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    _ad_for(page, live, listener, rows.nth(3))
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_selector("form.login")
    page.fill("#login-user", _new_listener(live))
    page.fill("#login-pass", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#main a[href^='/album/']", timeout=15000)
    assert page.is_hidden("#ad-break")
    assert page.evaluate("document.querySelector('#player').classList.contains('in-ad')") is False
    page.locator("#main a[href^='/album/']").first.click()
    page.locator("#main .track-play").first.click()  # its own music, at once: nothing of the other's break waits
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    assert page.is_hidden("#ad-break")
    assert page.is_enabled("#btn-next")
    page.close()


def _sign_in_by_form(page: Page, live: LiveServer) -> str:
    """Another account signed in in this tab, by the log-in form (no page load): its name."""
    listener = _new_listener(live)
    page.fill("#login-user", listener)
    page.fill("#login-pass", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#main a[href^='/album/']", timeout=15000)
    return listener


def _nothing_of_the_last_account(page: Page) -> None:
    assert page.inner_text("#np-title") == "Nothing playing"
    assert page.is_disabled("#btn-play")
    assert page.evaluate("document.querySelector('#audio').paused")
    assert page.locator("#main h2", has_text="Continue listening").count() == 0
    saved = page.evaluate("JSON.parse(localStorage.getItem('encore.player.v1') || 'null')")
    assert saved is None or saved["queue"] == []
    assert page.evaluate("localStorage.getItem('encore.ad.v1')") is None


def test_a_log_out_leaves_the_next_account_nothing_of_the_last_ones_listening(
    live: LiveServer, browser: Browser
) -> None:
    """review30b M1: the queue, the track and its position outlived a log-out, in the tab and in the browser's
    storage, so the next account to sign in met the last one's now-playing bar, "Continue listening" and queue,
    after a reload too. Mid-ad as well: the ad's saved position went on being written after the break ended."""
    page = _page(browser, **DESKTOP)
    listener = _sign_in_new_listener(page, live)
    rows = page.locator("#main .track-play")
    rows.first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    _ad_for(page, live, listener, rows.nth(2))
    page.evaluate("document.querySelector('#audio').play()")
    page.wait_for_function("localStorage.getItem('encore.ad.v1') !== null", timeout=15000)
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_selector("form.login")
    _sign_in_by_form(page, live)
    _nothing_of_the_last_account(page)
    page.goto(live.base_url + "/queue")
    page.wait_for_selector("#main h1")
    assert page.locator("#main li.track").count() == 0
    page.goto(live.base_url + "/")
    page.wait_for_selector("#main a[href^='/album/']", timeout=15000)
    _nothing_of_the_last_account(page)
    page.close()


def test_a_log_out_while_the_ad_is_on_its_way_plays_it_to_no_one(live: LiveServer, browser: Browser) -> None:
    """review30a L1: a log-out while the ad was being fetched ended nothing (the break had no ad element yet), so the
    ad played on the log-in page and locked the bar of the next account to sign in, which heard it in full."""
    page = _page(browser, **DESKTOP)
    listener = _sign_in_new_listener(page, live)
    rows = page.locator("#main .track-play")
    rows.first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    page.evaluate("document.querySelector('#audio').pause()")
    _listen_past_the_interval(live, listener)
    held: list[tuple[Route, APIResponse]] = []
    page.route("**/api/ads/next", lambda route: held.append((route, route.fetch())))  # answered later
    _press(page, rows.nth(3))
    for _ in range(150):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "no ad was asked for"
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_selector("form.login")
    route, answer = held[0]
    route.fulfill(response=answer)
    page.unroute("**/api/ads/next")
    page.wait_for_timeout(1000)  # the answer is in: the break would begin now
    assert page.is_hidden("#ad-break")
    assert page.evaluate("document.querySelector('#audio').paused")
    _sign_in_by_form(page, live)
    assert page.is_hidden("#ad-break")
    assert page.evaluate("document.querySelector('#player').classList.contains('in-ad')") is False
    assert page.evaluate("document.querySelector('#audio').paused")
    page.close()


def test_a_tab_left_open_follows_the_account_of_the_browser(live: LiveServer, browser: Browser) -> None:
    """review30b M2: tabs share one session cookie, but a tab left open across a log-out and another account's
    sign-in in another tab kept the first account's name and queue while every call it made acted as the second
    (its Settings renamed the other account). It now follows: signed out with the other tab, then that account."""
    first = _page(browser, **DESKTOP)
    _sign_in_new_listener(first, live)
    first.locator("#main .track-play").first.click()
    first.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    second = first.context.new_page()
    second.goto(live.base_url + "/settings")
    second.wait_for_selector("#main h1")
    first.get_by_role("button", name="Log out", exact=True).click()
    first.wait_for_selector("form.login")
    second.wait_for_selector("form.login", timeout=10000)  # signed out with the other tab, not at its next call
    assert second.evaluate("document.querySelector('#audio').paused")
    assert second.inner_text("#np-title") == "Nothing playing"
    _sign_in_by_form(first, live)
    shown = first.inner_text("#account .who")
    second.wait_for_selector(f"#account .who:text-is({shown!r})", timeout=15000)
    assert second.inner_text("#np-title") == "Nothing playing"
    first.context.close()
