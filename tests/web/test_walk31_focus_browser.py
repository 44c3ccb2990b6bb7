"""Keyboard focus never goes under the sticky header, the fixed player bar or a phone's bottom nav (review31b M3,
WCAG 2.4.11): tabbing down Home, a long album and search results, every focus stop is wholly in sight, at 1280x800
and at 390x844."""

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import func, select

from encore.accounts import create_user
from encore.catalog import Album, Track
from encore.db import transaction
from tests.support.browser import sign_in
from tests.support.live import LiveServer, seed_small_catalogue, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "focus31-pass"
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}

# The focused element's box against each bar drawn over the page (the sticky header, the player bar, the nav when
# it is a phone's bottom bar): the bars it is not part of that cover any of it. The skip link is drawn above the
# header on purpose.
_COVERED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e.classList.contains('skip')) return null;
  const r = e.getBoundingClientRect();
  if (!r.width || !r.height) return null;
  const bars = [...document.querySelectorAll('header.top, #player, #nav')]
    .filter((b) => !b.contains(e) && ['fixed', 'sticky'].includes(getComputedStyle(b).position));
  const over = bars.filter((b) => {
    const c = b.getBoundingClientRect();
    const tall = Math.min(r.bottom, c.bottom) - Math.max(r.top, c.top);
    return tall > 1 && Math.min(r.right, c.right) - Math.max(r.left, c.left) > 1;
  });
  const name = (e.getAttribute('aria-label') || e.textContent || e.tagName).trim().slice(0, 40);
  return over.length ? `${name} under ${over.map((b) => b.id || b.className).join(', ')}` : '';
}"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("focus31")
    container = seeded_container(work)
    seed_small_catalogue(container, work / "long", tracks=24, albums=1, seconds=(3.0, 4.0), artists=2)
    with transaction(container.sessions) as s:
        create_user(s, username="keys", password=PW, display_name="Keys")
    with serve(container) as server:
        yield server
    container.close()


def _long_album(live: LiveServer) -> tuple[str, str]:
    with live.container.sessions() as s:
        row = s.execute(
            select(Album.public_id, Album.title)
            .join(Track, Track.album_id == Album.id)
            .group_by(Album.id)
            .order_by(func.count(Track.id).desc())
        ).first()
        assert row is not None
        return row[0], row[1]


def _tab_down(page: Page, stops: int = 60) -> tuple[int, list[str]]:
    """Tab from the top of the page; how many stops were on the page, and those some bar covered."""
    page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
    covered: list[str] = []
    seen = 0
    for _ in range(stops):
        page.keyboard.press("Tab")
        found = page.evaluate(_COVERED)
        if found is None:
            continue
        seen += 1
        if found:
            covered.append(found)
    return seen, covered


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_focus_stop_is_in_sight(live: LiveServer, browser: Browser, size: str) -> None:
    album_id, title = _long_album(live)
    page = _page(browser, **SIZES[size])
    sign_in(page, live.base_url, "keys", PW, f"/album/{album_id}")
    page.wait_for_selector("#main .track-play")
    page.click(".hero-actions .big-play")  # something playing: the bar as a listener has it
    page.wait_for_function("document.querySelector('#player').classList.contains('has-track')")
    assert page.evaluate("document.documentElement.scrollHeight > innerHeight * 1.5")  # long enough to scroll
    for path, ready in (
        (f"/album/{album_id}", "#main .track-play"),
        ("/", "#main .grid .card"),
        (f"/search?q={quote(title)}", "#main .track-play"),
    ):
        if page.evaluate("location.pathname + location.search") != path:
            page.goto(live.base_url + path)
        page.wait_for_selector(ready)
        seen, covered = _tab_down(page)
        assert seen > 10, f"{path}: only {seen} focus stops"
        assert covered == [], f"{path} at {size}: {covered}"
    page.close()
