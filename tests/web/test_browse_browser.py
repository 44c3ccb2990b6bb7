"""Genres and "see all" in real Chromium, on a desktop and a phone: paged, every page its own address."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.catalog import AlbumGenre, upsert_genre
from encore.config import Settings
from encore.db import transaction
from tests.catalog import factories as f
from tests.support.live import LiveServer, serve
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
CARDS = "document.querySelectorAll('#genre-albums .card').length"
ROWS = "document.querySelectorAll('#search-all-tracks .track-title').length"
TITLES = "[...document.querySelectorAll('#search-all-tracks .track-title')].map(e => e.textContent)"


def _catalogue(work: Path) -> Container:
    c = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    c.migrate()
    with transaction(c.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
        jazz, folk = upsert_genre(s, name="Jazz"), upsert_genre(s, name="Folk")
        band = f.artist(s, "Quiet Quartet")
        for i in range(30):
            album = f.album(s, f"Blue Room {i:02d}", band, released=date(2000 + i, 1, 1))
            s.add(AlbumGenre(album_id=album.id, genre_id=jazz.id))
            f.track(s, f"Filler {i:02d}", album, [band])
        s.add(AlbumGenre(album_id=f.album(s, "Hill Songs", band).id, genre_id=folk.id))
    return c


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    c = _catalogue(tmp_path_factory.mktemp("browse"))
    with serve(c) as server:
        yield server
    c.close()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_genre_pages(live: LiveServer, browser: Browser, device: dict[str, object]) -> None:
    page = _page(browser, **device)
    _login(page, live, "/genre")
    page.wait_for_selector("#genres")
    assert page.locator("#genres .chip").all_inner_texts() == ["Folk\n1", "Jazz\n30"]
    page.get_by_role("link", name="Jazz").click()
    page.wait_for_function(f"{CARDS} === 24")
    assert page.url.endswith("/genre/jazz")
    assert page.inner_text(".pager-status") == "1–24 of 30"
    assert page.locator("#genre-albums .card-title").first.inner_text() == "Blue Room 29"  # newest first
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Next").click()
    page.wait_for_function(f"{CARDS} === 6")
    assert page.url.endswith("/genre/jazz?page=2") and page.inner_text(".pager-status") == "25–30 of 30"
    assert page.locator("#genre-albums .card-title").last.inner_text() == "Blue Room 00"
    page.go_back()
    page.wait_for_function(f"{CARDS} === 24")
    page.goto(f"{live.base_url}/genre/no-such-genre")
    page.wait_for_selector("text=Not found")


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_see_all_search_results(live: LiveServer, browser: Browser, device: dict[str, object]) -> None:
    page = _page(browser, **device)
    _login(page, live, "/search?q=fill")
    page.wait_for_selector("#main .track-title")
    see_all = page.get_by_role("link", name="See all 30 tracks")
    see_all.click()
    page.wait_for_function(f"{ROWS} === 24")
    assert "/search/tracks?q=fill" in page.url
    assert page.inner_text(".pager-status") == "1–24 of 30"
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Next").click()
    page.wait_for_function(f"{ROWS} === 6")
    second_page = set(page.evaluate(TITLES))
    assert len(second_page) == 6
    page.get_by_role("link", name="Previous").click()
    page.wait_for_function(f"{ROWS} === 24")
    titles = set(page.evaluate(TITLES))
    assert titles.isdisjoint(second_page) and len(titles | second_page) == 30  # stable paging: no repeats, none lost
    page.goto(f"{live.base_url}/search/albums?q=blue%20room")
    page.wait_for_selector("#search-all-albums .card")
    assert page.inner_text(".pager-status") == "1–24 of 30"
