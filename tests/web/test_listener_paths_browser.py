"""A listener's paths through the player in real Chromium (issue #18): no navigation stops the music, saved
albums and artists in the Library, the track menu's feedback, and the other listener dead ends."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from encore.accounts import create_user
from encore.catalog import Album
from encore.db import transaction
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser

__all__ = ["browser"]
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PW = "listener-pass-1"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("listener-paths")
    container = seeded_container(work)
    with transaction(container.sessions) as s:
        for name in ("walker", "phone", "saver", "menu"):
            create_user(s, username=name, password=PW, display_name=name.title())
    with serve(container) as server:
        yield server
    container.close()


def _login(page: Page, live: LiveServer, user: str, path: str = "/") -> None:
    page.goto(live.base_url + path)
    page.wait_for_selector("form.login")
    page.fill("#login-user", user)
    page.fill("#login-pass", PW)
    page.click("form.login button[type=submit]")


def _albums(live: LiveServer) -> list[tuple[str, str]]:
    with live.container.sessions() as s:
        return [(a.public_id, a.title) for a in s.scalars(select(Album).order_by(Album.id))]


def _start_playing(page: Page, live: LiveServer, user: str) -> None:
    album_id = _albums(live)[0][0]
    _login(page, live, user, f"/album/{album_id}")
    page.wait_for_selector(".track-play")
    page.locator(".track-play").first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.5", timeout=15000)
    page.evaluate("window.__sameDocument = true")  # a reload would drop this


def _walk_links(page: Page, selector: str) -> list[str]:
    """Click every visible link in `selector` while music plays; each must route inside the player."""
    hrefs = page.eval_on_selector_all(
        selector, "els => els.filter(e => e.offsetParent !== null).map(e => e.getAttribute('href'))"
    )
    assert hrefs, f"no visible links in {selector}"
    for href in hrefs:
        before = page.evaluate("document.querySelector('#audio').currentTime")
        page.locator(f'{selector}[href="{href}"]').first.click()
        page.wait_for_url(f"**{href}")
        page.wait_for_function(f"document.querySelector('#audio').currentTime > {before + 0.3}", timeout=10000)
        assert page.evaluate("window.__sameDocument") is True, f"{href} reloaded the page"
        assert page.evaluate("document.querySelector('#audio').paused") is False, f"{href} stopped the music"
    return hrefs


def test_no_link_in_the_player_stops_the_music_desktop(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, **DESKTOP)
    _start_playing(page, live, "walker")
    walked = _walk_links(page, "#nav a")
    assert "/wrapped" in walked
    walked += _walk_links(page, "header.top a")
    walked += _walk_links(page, "#player a")
    assert {"/", "/search", "/library", "/queue", "/settings"} <= set(walked)
    # Every same-origin link the views drew is routed too (downloads and new tabs aside).
    stray = page.eval_on_selector_all(
        "a[href^='/']",
        "els => els.filter(e => !e.hasAttribute('data-link') && !e.hasAttribute('download')"
        " && !e.target && e.getAttribute('href') !== '#main').map(e => e.getAttribute('href'))",
    )
    assert stray == []
    page.close()


def test_no_link_in_the_bottom_bar_stops_the_music_phone(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, **PHONE)
    _start_playing(page, live, "phone")
    walked = _walk_links(page, "#nav a")
    assert "/wrapped" in walked
    page.close()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_saved_albums_and_artists_are_in_the_library_and_can_be_unliked(
    live: LiveServer, browser: Browser, device: str
) -> None:
    page = _page(browser, **(DESKTOP if device == "desktop" else PHONE))
    album_id, album_title = _albums(live)[1]
    _login(page, live, "saver", f"/album/{album_id}")
    page.wait_for_selector("h1")
    like = page.get_by_role("button", name=f"Like {album_title}")
    if like.get_attribute("aria-pressed") != "true":
        like.click()
        page.wait_for_selector(".like-btn[aria-pressed='true']")
    artist = page.locator(".hero-artists a").first
    artist_name = artist.inner_text()
    artist.click()
    page.wait_for_selector(f"h1:text-is('{artist_name}')")
    page.get_by_role("button", name=f"Like {artist_name}").click()
    page.wait_for_selector(".like-btn[aria-pressed='true']")

    page.locator("#nav a[href='/library']").click()
    page.wait_for_selector("#saved-albums .card")
    assert page.locator(f"#saved-albums .card[href='/album/{album_id}']").count() == 1
    assert page.locator("#saved-artists .card").count() == 1
    assert page.locator("#saved-artists .card-title").inner_text() == artist_name
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # type: ignore[index]

    page.get_by_role("button", name=f"Remove {album_title} from your library").click()
    page.wait_for_selector("#toast:text('Removed')")
    assert page.locator("#saved-albums .card").count() == 0
    assert page.is_visible("text=Albums you like show up here.")
    page.get_by_role("button", name=f"Remove {artist_name} from your library").click()
    page.wait_for_selector("text=Artists you like show up here.")
    page.reload()  # the server forgot them too
    page.wait_for_selector("text=Albums you like show up here.")
    assert page.locator("#saved-albums .card, #saved-artists .card").count() == 0
    page.close()
