"""Session 30's ad-break leftovers in real Chromium: what is queued during an ad with shuffle on, and a sign-out in
another tab while this one is mid-ad."""

import itertools
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.support.live import LiveServer
from tests.web.test_ad_break_paths_browser import _ad_for, _end_the_ad, _plays, _queued, _said
from tests.web.test_first_page_browser import SCREENSHOTS, _page, browser
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
