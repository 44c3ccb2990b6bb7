"""Session 30's ad-break leftovers in real Chromium: what is queued during an ad with shuffle on, and a sign-out in
another tab while this one is mid-ad."""

import itertools
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route
from sqlalchemy import select

from encore.accounts import User
from encore.ads import AdBreak
from tests.support.live import LiveServer
from tests.web.test_ad_break_paths_browser import _ad_for, _end_the_ad, _plays, _queued, _said, _sign_in_by_form
from tests.web.test_first_page_browser import SCREENSHOTS, _page, browser
from tests.web.test_listener_paths_browser import DESKTOP
from tests.web.test_player_ads_browser import _listen_past_the_interval, _sign_in_new_listener, live

__all__ = ["browser", "live"]
pytestmark = pytest.mark.browser

# The shuffle's coin, fixed: Fisher-Yates with every draw at one half puts the second of three entries last, so a
# track shuffled in with the rest is seen out of place on every run, not on some of them.
_FIXED_SHUFFLE = "Math.random = () => 0.5;"


def _queued_around_an_ad(page: Page, live: LiveServer, listener: str) -> tuple[list[str], list[str]]:
    """With shuffle on and a track playing, an ad break; during it the album is pressed from its second track, its
    third is chosen to play next and its first added to the queue; the ad ends, and the Queue view opens. The
    album's titles, and the queue as shown."""
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
    return t, _queued(page)


def test_play_next_during_an_ad_with_shuffle_on_plays_right_after_the_ad(live: LiveServer, browser: Browser) -> None:
    """Session 30's leftover: with shuffle on, a list pressed during an ad waits as the queue to be, and "Play next"
    went into that list, which was shuffled when the ad ended, the track chosen to play next with it. It plays
    right after the track pressed, and "Add to queue" stays at the end, as they do outside an ad."""
    page = _page(browser, **DESKTOP)
    page.add_init_script(_FIXED_SHUFFLE)
    listener = _sign_in_new_listener(page, live)
    t, queued = _queued_around_an_ad(page, live, listener)
    assert queued[:2] == [t[1], t[2]], queued  # played next, after the ad
    assert queued[-1] == t[0], queued  # added: last
    assert sorted(queued[2:-1]) == sorted(t[:1] + t[2:]), queued  # the album's others, shuffled between
    page.close()


# Each part of the mini bar as drawn: its box, whether its text is whole (not clipped, "…" allowed only where said),
# and whether it is the topmost thing at its centre (a tap there reaches it).
_MINI_BAR = """(ids) => {
  const out = {};
  for (const sel of ids) {
    const el = document.querySelector(sel);
    if (!el) continue;
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (s.display === 'none' || s.visibility !== 'visible' || r.width === 0) continue;
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    out[sel] = {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height,
                whole: el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1,
                topmost: !!top && el.contains(top), text: el.textContent};
  }
  return out;
}"""
_CONTROLS = ["#btn-like", "#btn-play", "#btn-next", "#btn-lyrics"]
_WORDS = ["#np-title", "#np-artists"]
_AD_PARTS = ["#ad-count", "#ad-break .ad-who", "#ad-break .ad-upgrade"]
LONG_TITLE = "The Extraordinarily Long Title of a Song That Goes On (Live at the Royal Albert Hall, Remastered 2026)"
LONG_ARTISTS = "Orchestra of the Northern Valleys, Featuring the Very Long Named Choir"


_SIZES = [(320, 640), (360, 740)]


def _bar(page: Page, ids: list[str]) -> dict[str, dict[str, Any]]:
    return dict(page.evaluate(_MINI_BAR, ids))


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"] - 0.5
        and b["left"] < a["right"] - 0.5
        and a["top"] < b["bottom"] - 0.5
        and (b["top"] < a["bottom"] - 0.5)
    )


def _reachable_apart(drawn: dict[str, dict[str, Any]], controls: list[str], words: list[str]) -> None:
    """Each control drawn is a whole 44 px target that a tap at its centre reaches, and nothing drawn overlaps it."""
    for sel in controls:
        box = drawn[sel]
        assert box["width"] >= 44 and box["height"] >= 44 and box["topmost"], (sel, box)
    for a, b in itertools.combinations(controls + words, 2):
        assert not _overlaps(drawn[a], drawn[b]), (a, drawn[a], b, drawn[b])


def test_the_narrowest_mini_bar_has_room_for_its_words_and_every_control(live: LiveServer, browser: Browser) -> None:
    """Session 30's leftover: at 320 px the mini bar left a track's title 52 px ("The …", its artists "Orche…") and,
    during an ad, the advertiser 94 px ("Acme Co…"). The words have room to be read, at 320 and 360 px, with a long
    title, artists and advertiser, and every control still shown is a 44 px target reached by a tap; the ones that
    leave the mini bar (Lyrics; Next, locked, during an ad) are in the full view it opens."""
    page = _page(browser, viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    listener = _sign_in_new_listener(page, live)
    rows = page.locator("#main .track-play")
    rows.first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    # A long title and artists, as the bar draws them: the catalogue's own are short.
    page.evaluate(f"document.querySelector('#np-title bdi').textContent = {LONG_TITLE!r}")
    page.evaluate(f"document.querySelector('#np-artists').textContent = {LONG_ARTISTS!r}")
    for width, height in _SIZES:
        page.set_viewport_size({"width": width, "height": height})
        drawn = _bar(page, ["#np-expand", *_CONTROLS, *_WORDS])
        shown = [c for c in _CONTROLS if c in drawn]
        assert {"#btn-like", "#btn-play", "#btn-next"} <= set(shown), drawn
        _reachable_apart(drawn, shown, _WORDS)
        for sel in _WORDS:
            assert drawn[sel]["width"] >= 0.3 * width, (width, sel, drawn[sel])  # some 14 letters, not "The …"
        assert drawn["#np-expand"]["topmost"], drawn
        page.screenshot(path=str(SCREENSHOTS / f"player-mini-long-names-{width}x{height}.png"))
    page.tap("#np-expand")  # what left the mini bar is in the full view
    page.wait_for_selector(".player.expanded #btn-lyrics", state="visible")
    page.tap("#np-expand")
    page.wait_for_selector(".player.expanded", state="detached")

    _ad_for(page, live, listener, rows.nth(3))
    for width, height in _SIZES:
        page.set_viewport_size({"width": width, "height": height})
        drawn = _bar(page, [*_CONTROLS, *_AD_PARTS])
        count, who, pill = (drawn[sel] for sel in _AD_PARTS)
        assert count["whole"] and count["text"].startswith("Ad · 0:0"), count
        assert pill["whole"] and pill["height"] >= 44 and pill["topmost"], pill
        assert who["width"] >= 0.4 * width, (width, who)  # "Acme Coffee Roast…", not "Acme Co…"
        _reachable_apart(drawn, ["#btn-play"], list(_AD_PARTS))
        assert pill["right"] <= drawn["#btn-play"]["left"], (pill, drawn["#btn-play"])
        page.screenshot(path=str(SCREENSHOTS / f"player-ad-break-{width}x{height}.png"))
    page.tap("#btn-play")  # the ad plays on, and Play/Pause is still the ad's
    page.wait_for_function("!document.querySelector('#audio').paused")
    assert page.is_visible("#ad-break") and page.is_disabled("#btn-next")
    page.close()


# What a tab asks that plays or counts for an account: an ad, its completion, a music URL, a play report, audio.
_LISTENING = re.compile(r"/api/ads/|/api/tracks/[^/]+/stream|/api/plays|/stream/")


def _user(live: LiveServer, name: str) -> int:
    with live.container.sessions() as s:
        return int(s.scalars(select(User.id).where(User.username == name)).one())


def _breaks(live: LiveServer, user_id: int) -> list[AdBreak]:
    with live.container.sessions() as s:
        return list(s.scalars(select(AdBreak).where(AdBreak.user_id == user_id)))


def _clock_ms(live: LiveServer, user_id: int) -> int:
    c = live.container
    with c.sessions() as s:
        return int(c.ad_clocks.move(s, user_id, lambda st: (st, st.total_ms(c.clock.now()))))


@pytest.mark.parametrize("mid", ["playing", "reporting"])
def test_a_sign_out_in_another_tab_mid_ad_leaves_the_next_account_nothing_of_it(
    live: LiveServer, browser: Browser, mid: str
) -> None:
    """Session 30's leftover: one tab signs out while the other is mid-ad, its ad playing or its "played" report on the
    way (and failing, as a network blip does). The tab that follows sends nothing more for the ad or the music: no
    ad, no completion (a failed report was tried again a second later, whichever session the browser held by then),
    no music URL, no play report, no audio. The next account signed in starts from its own ad clock: its first track
    plays at once, and its first break is its own, once its own listening has earned it."""
    first = _page(browser, **DESKTOP)
    gone = _sign_in_new_listener(first, live)
    second = first.context.new_page()
    second.goto(first.url)
    second.wait_for_selector("#main .track-play")
    rows = second.locator("#main .track-play")
    rows.first.click()
    second.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    _ad_for(second, live, gone, rows.nth(3))
    asked: list[str] = []
    second.on("request", lambda r: asked.append(r.url) if _LISTENING.search(r.url) else None)
    held: list[Route] = []
    if mid == "reporting":  # the ad ends at once, and its report is held on the way until the sign-out
        second.route("**/api/ads/*/played", lambda route, _: held.append(route))
        second.evaluate("(a => { a.playbackRate = 16; a.play(); })(document.querySelector('#audio'))")
        second.wait_for_function("document.querySelector('#ad-count').textContent === 'Ad · 0:00'", timeout=15000)
        for _ in range(100):
            if held:
                break
            second.wait_for_timeout(50)
        assert held, "the ad's report was not sent"
    else:
        second.evaluate("document.querySelector('#audio').play()")
        second.wait_for_function("!document.querySelector('#audio').paused")
    first.get_by_role("button", name="Log out", exact=True).click()
    first.wait_for_selector("form.login")
    second.wait_for_selector("form.login", timeout=10000)  # it followed
    followed = len(asked)
    if held:
        held[0].abort()  # the report fails now, after the sign-out: it is not tried again
    second.wait_for_timeout(1500)  # past the second a failed report waits before it is sent again
    assert second.is_hidden("#ad-break")
    assert second.evaluate("(a => a.paused && !a.getAttribute('src'))(document.querySelector('#audio'))")

    fresh = _sign_in_by_form(first, live)
    shown = first.inner_text("#account .who")
    second.wait_for_selector(f"#account .who:text-is({shown!r})", timeout=15000)  # it follows the new account
    assert second.is_hidden("#ad-break") and second.inner_text("#np-title") == "Nothing playing"
    new_id, old_id = _user(live, fresh), _user(live, gone)
    assert _clock_ms(live, new_id) == 0 and _breaks(live, new_id) == []  # nothing of the other's listening
    first.locator("#main a[href^='/album/']").first.click()
    first.wait_for_selector("#main .track-play")
    first.locator("#main .track-play").first.click()
    first.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    assert first.is_hidden("#ad-break")  # its own clock: the last account's owed break is not its
    if mid == "reporting":  # once is enough: its first break, earned by its own listening
        _listen_past_the_interval(live, fresh)
        first.locator("#main .track-play").nth(3).click()
        first.wait_for_selector("#ad-break:not([hidden])", timeout=15000)
        assert len(_breaks(live, new_id)) == 1
    assert [b.completed_at for b in _breaks(live, old_id)] == [None]  # the last one's stays owed, uncounted
    assert asked[followed:] == [], asked[followed:]  # nothing from the tab that followed, under either session
    first.context.close()
