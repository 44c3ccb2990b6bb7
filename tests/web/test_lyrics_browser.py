"""The lyrics view in real Chromium, on desktop and phone: open it from the player bar, watch the current
line follow the music and stay in view, tap a line and the audio seeks there."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from encore.accounts import create_user
from encore.db import transaction
from tests.support.live import LiveServer, first_album_id, seeded_container, serve
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
CURRENT = "Number(document.querySelector('#lyrics').dataset.current ?? -1)"
IN_VIEW = """(() => {
  const line = document.querySelector('#lyrics .lyric-line.current');
  const panel = document.querySelector('#lyrics').getBoundingClientRect();
  if (!line) return false;
  const r = line.getBoundingClientRect();
  return r.top >= panel.top && r.bottom <= panel.bottom && r.height > 0;
})()"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    container = seeded_container(tmp_path_factory.mktemp("lyrics"))  # odd-numbered demo tracks have lyrics
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
    with serve(container) as server:
        yield server
    container.close()


def _walk(page: Page, live: LiveServer, *, tap: bool) -> None:
    _login(page, live)
    page.wait_for_selector("text=New releases")
    page.goto(f"{live.base_url}/album/{first_album_id(live.container)}")
    page.locator("#main .track-play").first.click()  # track 1: it has lyrics
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.2", timeout=15000)
    toggle = page.locator("#btn-lyrics")
    toggle.tap() if tap else toggle.click()
    page.wait_for_selector("#lyrics button.lyric-line")
    assert toggle.get_attribute("aria-pressed") == "true"

    page.wait_for_function(f"{CURRENT} >= 0", timeout=15000)
    first = page.evaluate(CURRENT)
    page.wait_for_function(f"{CURRENT} > {first}", timeout=15000)  # the music moved on, and so did the line
    page.wait_for_function(IN_VIEW, timeout=5000)
    assert page.locator("#lyrics .lyric-line[aria-current=true]").count() == 1

    lines = page.locator("#lyrics button.lyric-line")
    target = min(6, lines.count() - 1)
    start_s = int(lines.nth(target).get_attribute("data-start") or 0) / 1000
    assert start_s > page.evaluate("document.querySelector('#audio').currentTime") + 1
    lines.nth(target).tap() if tap else lines.nth(target).click()
    page.wait_for_function(f"document.querySelector('#audio').currentTime >= {start_s}", timeout=15000)
    page.wait_for_function(f"{CURRENT} >= {target}", timeout=15000)
    page.wait_for_function(IN_VIEW, timeout=5000)
    assert page.evaluate("document.querySelector('#audio').currentTime") < start_s + 5  # seeked, not played through
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # type: ignore[index]

    page.keyboard.press("Escape")
    page.wait_for_selector("#lyrics", state="hidden")
    assert toggle.get_attribute("aria-pressed") == "false"


def test_lyrics_follow_and_seek_on_desktop(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _walk(page, live, tap=False)
    page.close()


def test_lyrics_follow_and_seek_on_a_phone(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    _walk(page, live, tap=True)
    page.close()


_ON_TOP = """(sel) => {
  const r = document.querySelector(sel).getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && !!hit.closest(sel);
}"""


def test_lyrics_show_in_the_phones_full_view_with_its_controls_at_hand(live: LiveServer, browser: Browser) -> None:
    """review30b M4: in the phone's full-screen player, Lyrics turned on and showed nothing: the panel opened under
    the full view. They take the cover's place now, and the controls, Lyrics' own button among them, stay at hand."""
    page = _page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    _login(page, live)
    page.wait_for_selector("text=New releases")
    page.goto(f"{live.base_url}/album/{first_album_id(live.container)}")
    page.locator("#main .track-play").first.tap()  # track 1: it has lyrics
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.2", timeout=15000)
    page.locator("#np-expand").tap()
    page.wait_for_selector("#player.expanded")
    page.locator("#btn-lyrics").tap()
    page.wait_for_selector("#lyrics button.lyric-line")
    assert page.evaluate(_ON_TOP, "#lyrics")
    for control in ("#btn-lyrics", "#btn-play", "#btn-next", "#seek", "#np-expand"):
        assert page.evaluate(_ON_TOP, control), control
    lines = page.locator("#lyrics button.lyric-line")
    target = min(6, lines.count() - 1)
    start_s = int(lines.nth(target).get_attribute("data-start") or 0) / 1000
    lines.nth(target).tap()
    page.wait_for_function(f"document.querySelector('#audio').currentTime >= {start_s}", timeout=15000)
    page.locator("#btn-lyrics").tap()
    page.wait_for_selector("#lyrics", state="hidden")
    assert page.is_visible("#player.expanded")
    page.close()
