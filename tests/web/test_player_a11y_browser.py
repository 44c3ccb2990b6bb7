"""Accessibility and controls in real Chromium: WCAG AA text contrast computed from the rendered styles,
a visible focus ring on every keyboard stop, 44 px touch targets at 360 px wide, volume and mute, and
playlist reorder by drag on a desktop."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from encore.accounts import create_user
from encore.db import transaction
from tests.support.browser import go
from tests.support.live import LiveServer, first_album_id, seeded_container, serve
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
TITLES = "[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)"

# For every visible element holding text: its colour against the background actually painted behind it
# (semi-transparent layers composited, gradients taken at their worst stop). Large text needs 3:1, the
# rest 4.5:1 (WCAG 2.x AA). Disabled controls are exempt (WCAG 1.4.3) and skipped.
CONTRAST_FAILURES = r"""() => {
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => { const f = lin;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const over = (top, under) => { const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1); };
  const backgrounds = (el) => {  // candidate painted backgrounds behind el (several when a gradient is involved)
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const cs = getComputedStyle(n);
      const stops = (cs.backgroundImage.match(/rgba?\([^)]+\)/g) || []).map(parse);
      if (stops.length) { layers.push(stops); if (stops.every((s) => s[3] === 1)) break; }
      const bg = parse(cs.backgroundColor);
      if (bg && bg[3] > 0) { layers.push([bg]); if (bg[3] === 1) break; }
    }
    let result = [[0, 0, 0, 1]];
    for (const layer of layers.reverse()) result = layer.flatMap((l) => result.map((r) => over(l, r)));
    return result;
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("[hidden], .visually-hidden, :disabled, script, style, title")) continue;
    const box = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (!box.width || !box.height || cs.visibility !== "visible") continue;
    let opacity = 1;
    for (let n = el; n; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
    if (opacity < 1) continue;  // only inactive rows and disabled controls are faded
    const fg = parse(cs.color);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    const worst = Math.min(...backgrounds(el).map((bg) => ratio(over(fg, bg), bg)));
    const what = `${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}"`;
    if (worst < (large ? 3 : 4.5)) failures.push(`${what} ${worst.toFixed(2)}`);
  }
  return failures;
}"""

SMALL_TARGETS = r"""() => [...document.querySelectorAll("button, a[href], input, select, summary, [role=menuitem]")]
  .filter((el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    if (!r.width || !r.height || cs.visibility !== "visible" || el.closest("[hidden]")) return false;
    if (el.matches(".skip, .np-expand, .visually-hidden")) return false;       // off-screen, or a full-area overlay
    if (el.tagName === "A" && el.closest("p")) return false;                 // inline links in text (WCAG 2.5.8)
    const target = el.closest("label") || el;                                // a checkbox is hit through its label
    const t = target.getBoundingClientRect();
    return t.width < 44 || t.height < 44; })
  .map((el) => { const r = el.getBoundingClientRect();
    return `${el.tagName}#${el.id}.${el.className} ${Math.round(r.width)}x${Math.round(r.height)}`; })"""


# Where focus is: the player's control by id ("in the player" for one without), "page" for anything under it,
# "none" for the document itself (between the last stop and the first).
FOCUS_STOP = """(() => { const el = document.activeElement;
  if (!el || el === document.body) return "none";
  if (!document.querySelector('#player').contains(el)) return "page";
  return el.id || "in the player"; })()"""
PLAYER_STOPS = {"np-expand", "btn-like", "btn-shuffle", "btn-prev", "btn-play", "btn-next", "btn-repeat", "btn-lyrics",
                "seek", "in the player", "none"}  # fmt: skip


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("a11y")
    container = seeded_container(work)
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
    with serve(container) as server:
        yield server
    container.close()


def _album(live: LiveServer) -> str:
    return first_album_id(live.container)


def _playing(page: Page) -> None:
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)


def _pause(page: Page) -> None:
    """Paused with the track still in the player: the state a full load of each view left it in (restored, not
    started) when these loops used `page.goto`, so what is measured is unchanged, and no audio plays through them."""
    page.click("#btn-play")
    page.wait_for_function("document.querySelector('#audio').paused")


def _app_path(live: LiveServer, path: str) -> str:
    """A path inside the app, from a path or a page's full URL (`page.url`)."""
    return path.removeprefix(live.base_url)


def _make_playlist(page: Page, live: LiveServer, name: str) -> tuple[str, list[str]]:
    page.click("#nav a[data-nav=library]")  # in the app, as a listener goes there: no second page load
    page.fill("#new-playlist-name", name)
    page.click("text=Create playlist")
    page.wait_for_url(re.compile(r".*/playlist/[0-9A-Za-z]+$"))
    url = page.url
    go(page, f"/album/{_album(live)}")
    page.wait_for_selector("#main .track-play")
    titles: list[str] = page.evaluate(TITLES)[:3]
    for i in range(3):
        page.locator("#main .track-more").nth(i).click()
        page.locator(".menu button", has_text=name).click()
        page.wait_for_selector(".menu", state="detached")
    page.goto(url)
    page.wait_for_function(f"{TITLES}.length === 3")
    return url, titles


def test_text_contrast_passes_wcag_aa_in_every_view(live: LiveServer, browser: Browser) -> None:
    # One signed-in page, resized between the passes: the layouts are the viewport's media queries, and a second
    # context only logged in, made a playlist and started a track again.
    desktop, phone = {"width": 1280, "height": 800}, {"width": 360, "height": 740}
    page = _page(browser, viewport=desktop)
    page.goto(live.base_url + "/")
    page.wait_for_selector("form.login")
    for viewport in (desktop, phone):
        page.set_viewport_size(viewport)
        assert page.evaluate(CONTRAST_FAILURES) == [], ("login", viewport)
    page.set_viewport_size(desktop)
    _login(page, live)
    page.wait_for_selector("text=New releases")
    _make_playlist(page, live, "Contrast")
    go(page, f"/album/{_album(live)}")
    page.locator("#main .track-play").first.click()
    _playing(page)
    playing_view = page.url
    _pause(page)
    # Each view shown once and measured at both widths: no script lays a view out by the viewport's size (the
    # layouts are media queries, applied again on a resize), so a view resized is the view shown at that size.
    # Each is reached as a link reaches it (`go`): the contrast is the view's, not the document load's.
    for path in [
        "/",
        f"/album/{_album(live)}",
        "/search?q=a",
        "/library",
        "/queue",
        "/history",
        "/settings",
        "/upgrade",
        playing_view,
    ]:
        page.set_viewport_size(desktop)
        go(page, _app_path(live, path))
        page.wait_for_selector("#main .view")
        page.wait_for_timeout(200)
        for viewport in (desktop, phone):
            page.set_viewport_size(viewport)
            assert page.evaluate(CONTRAST_FAILURES) == [], (viewport, path)
    page.close()


def test_every_keyboard_stop_shows_a_focus_ring(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, f"/album/{_album(live)}")
    page.wait_for_selector("#main .track-play")
    page.locator("#main .track-play").first.click()
    _playing(page)
    page.locator("h1").click()
    seen = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const el = document.activeElement; const cs = getComputedStyle(el);
            const name = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 20);
            return {id: el.tagName + '#' + el.id + '.' + el.className + ':' + name,
                    outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth), shadow: cs.boxShadow}; }""")
        if info["id"].startswith("BODY"):
            continue
        seen.add(info["id"])
        assert (info["outline"] != "none" and info["width"] >= 2) or info["shadow"] != "none", info
    assert len(seen) >= 20  # the walk really went through the page and the player
    page.close()


def test_touch_targets_are_at_least_44px_at_360px_wide(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    _login(page, live)
    page.wait_for_selector("text=New releases")
    url, _ = _make_playlist(page, live, "Touch")
    go(page, f"/album/{_album(live)}")
    page.wait_for_selector("#main .track-play")
    page.locator("#main .track-play").first.click()
    _playing(page)
    _pause(page)
    for path in [
        "/",
        f"/album/{_album(live)}",
        "/search?q=a",
        "/library",
        "/queue",
        "/history",
        "/settings",
        "/upgrade",
        url,
    ]:  # each view as a link reaches it (`go`)
        go(page, _app_path(live, path))
        page.wait_for_selector("#main .view")
        page.wait_for_timeout(200)
        assert page.evaluate(SMALL_TARGETS) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.locator("#main .track-more").first.click()
    page.wait_for_selector(".menu [role=menuitem]")
    assert page.evaluate(SMALL_TARGETS) == [], "track menu"
    focused = "document.activeElement.textContent"
    page.keyboard.press("ArrowDown")  # a menu's arrows move between its items
    assert page.evaluate(focused) == "Add to queue"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate(focused) == page.locator(".menu [role=menuitem]").last.inner_text()  # wraps round
    page.keyboard.press("Escape")
    page.wait_for_selector(".menu", state="detached")
    assert page.evaluate("document.activeElement.classList.contains('track-more')")  # back where the user was
    page.click("#np-expand")
    page.wait_for_function("document.querySelector('#player').classList.contains('expanded')")
    assert page.evaluate(SMALL_TARGETS) == [], "now playing"
    # review27b F8: the full-screen player keeps the keyboard (Tab never walks on into the page hidden under it),
    # Escape closes it, and focus goes back to the button that opened it.
    page.focus("#np-expand")
    stops = []
    for _ in range(24):  # more presses than the player has stops: the walk comes round again
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUS_STOP))
    assert "btn-play" in stops and "seek" in stops, stops
    assert set(stops) <= PLAYER_STOPS, stops
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('#player').classList.contains('expanded')")
    assert page.evaluate("document.activeElement.id") == "np-expand"
    assert page.get_attribute("#np-expand", "aria-expanded") == "false"
    page.keyboard.press("Tab")  # the page is back: focus goes on past the player
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS_STOP) != "in the player"
    page.locator("#nav a[data-nav=library]").click()  # and takes clicks again
    page.wait_for_url("**/library")
    page.close()


def test_volume_slider_mute_button_and_keys(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, f"/album/{_album(live)}")
    page.wait_for_selector("#main .track-play")
    page.locator("#main .track-play").first.click()
    _playing(page)
    page.click("#btn-mute")
    assert page.evaluate("document.querySelector('#audio').muted") is True
    assert page.get_attribute("#btn-mute", "aria-pressed") == "true"
    assert page.get_attribute("#btn-mute", "aria-label") == "Unmute"
    page.click("#btn-mute")
    assert page.evaluate("document.querySelector('#audio').muted") is False
    before = page.evaluate("document.querySelector('#audio').volume")
    page.locator("#volume").fill("0.3")  # the slider (the element's volume also carries the track's gain)
    loud = page.evaluate("document.querySelector('#audio').volume")
    assert 0 < loud < before
    page.locator("h1").click()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.querySelector('#audio').volume") < loud
    page.keyboard.press("m")
    assert page.evaluate("document.querySelector('#audio').muted") is True
    page.reload()  # volume and mute survive a reload
    page.wait_for_selector("#main .track-play")
    assert page.get_attribute("#btn-mute", "aria-pressed") == "true"
    assert abs(float(page.input_value("#volume")) - 0.25) < 0.011
    page.close()


def test_arrow_keys_on_the_focused_seek_slider_move_from_where_the_audio_is(live: LiveServer, browser: Browser) -> None:
    """review27b F6: the slider stood still while focused, so ArrowRight a few seconds later stepped 0.1 s on from
    where it was focused: the song jumped back. Now an arrow moves 5 s from the audio's own position."""
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, f"/album/{_album(live)}")
    page.wait_for_selector("#main .track-play")
    page.locator("#main .track-play").first.click()
    _playing(page)
    page.focus("#seek")
    focused_at = page.evaluate("document.querySelector('#audio').currentTime")
    page.wait_for_function(f"document.querySelector('#audio').currentTime > {focused_at + 2}", timeout=15000)
    shown = float(page.input_value("#seek"))
    assert shown > focused_at + 1.5  # the focused slider follows the audio
    before = page.evaluate("document.querySelector('#audio').currentTime")
    page.keyboard.press("ArrowRight")
    after = page.evaluate("document.querySelector('#audio').currentTime")
    assert after >= before + 4.9, (before, after)
    assert abs(float(page.input_value("#seek")) - after) < 1
    page.keyboard.press("ArrowLeft")
    back = page.evaluate("document.querySelector('#audio').currentTime")
    assert after - 5.5 < back <= after - 4.5, (after, back)
    page.keyboard.press("Home")
    assert page.evaluate("document.querySelector('#audio').currentTime") < 1
    page.close()


def test_playlist_reorder_by_drag_on_desktop(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live)
    page.wait_for_selector("text=New releases")
    url, titles = _make_playlist(page, live, "Drag")
    rows = page.locator("#main li.track[draggable=true]")
    rows.nth(0).drag_to(rows.nth(2))
    page.wait_for_function(f"{TITLES}[2] === {titles[0]!r}")
    page.goto(url)
    page.wait_for_function(f"{TITLES}.length === 3")
    assert page.evaluate(TITLES) == [titles[1], titles[2], titles[0]]
    page.close()
