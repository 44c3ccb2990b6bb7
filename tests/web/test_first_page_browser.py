"""The first web page in real Chromium: log in, search, open an album, play, next, back, reload, phone."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, expect
from sqlalchemy import select

from encore.accounts import create_user
from encore.catalog import Album
from encore.db import transaction
from tests.support.browser import CHROMIUM, release, sign_in
from tests.support.live import LiveServer, seeded_container, serve

pytestmark = pytest.mark.browser
# The README's pictures are rewritten only on request (`make screenshots`); a plain test run writes them to a
# scratch folder, so `make test` leaves the working tree clean.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("ENCORE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "encore-screenshots"
)
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("browser")
    container = seeded_container(work)
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
    with serve(container) as server:
        yield server
    container.close()


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Iterator[Browser]:
    """The process's shared Chromium (tests/web/conftest.py); what this module opened is closed after it."""
    yield chromium
    release(chromium)


def _page(browser: Browser, **options: object) -> Page:
    # bypass_csp lets Playwright evaluate its own predicates; it also means the hostile-names test
    # proves our escaping itself, not merely that the CSP blocked what leaked through.
    return browser.new_context(bypass_csp=True, **options).new_page()  # type: ignore[arg-type]


def _login_by_form(page: Page, live: LiveServer, path: str = "/") -> None:
    """The login form, as a first visit meets it (this module's tests: the form is what they prove)."""
    page.goto(live.base_url + path)
    page.wait_for_selector("form.login")
    page.fill("#login-user", "listener")
    page.fill("#login-pass", "listener-pass-1")
    page.click("form.login button[type=submit]")


def _login(page: Page, live: LiveServer, path: str = "/") -> None:
    """Signed in as the listener without the form (`sign_in`): the other browser modules take this."""
    sign_in(page, live.base_url, "listener", "listener-pass-1", path)


def _album_title(live: LiveServer) -> tuple[str, str]:
    with live.container.sessions() as s:
        album = s.scalars(select(Album).order_by(Album.id)).first()
        assert album is not None
        return album.public_id, album.title


def test_listen_journey(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    audio_requests: list[Request] = []
    page.on("request", lambda r: audio_requests.append(r) if "/stream/" in r.url else None)
    _login_by_form(page, live)
    page.wait_for_selector("text=New releases")
    assert page.locator(".grid .card").count() >= 4

    album_id, title = _album_title(live)
    page.fill("#search-input", title[:4])
    page.wait_for_url("**/search?q=*")
    # The results, not Home's cards still shown while they load: a card swapped out between Playwright's
    # mouse-down and mouse-up takes no click (CI lost one that way).
    page.wait_for_selector("#main .top-result")
    page.locator(f'#main .card[href="/album/{album_id}"]').first.click()
    page.wait_for_url(f"**/album/{album_id}")
    expect(page.locator("#main h1")).to_have_text(title)  # the album's, once drawn: the results have an h1 too

    page.locator(".track-play").first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 1.0", timeout=15000)
    assert audio_requests, "no audio request was made"
    first = audio_requests[0]
    assert "s=" in first.url and "e=" in first.url and "u=" in first.url  # a signed URL
    assert any(r.headers.get("range", "").startswith("bytes=") for r in audio_requests)
    first_title = page.inner_text("#np-title")

    page.click("#btn-next")
    page.wait_for_function(f"document.querySelector('#np-title').textContent !== {first_title!r}")
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.5", timeout=15000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "first-page-1280x800.png"))

    page.go_back()
    page.wait_for_url("**/search?q=*")
    assert not page.evaluate("document.querySelector('#audio').paused")  # playback survives navigation

    page.goto(f"{live.base_url}/album/{album_id}")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == title  # a deep link reloads into the same view
    page.close()


def test_phone_layout(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    _login_by_form(page, live)
    page.wait_for_selector("text=New releases")
    album_id, _ = _album_title(live)
    page.goto(f"{live.base_url}/album/{album_id}")
    page.wait_for_selector(".track-play")
    page.locator(".track-play").first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.5", timeout=15000)
    assert page.is_visible("#player") and page.is_visible("#btn-play")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "first-page-390x844.png"))
    page.close()


def test_hostile_names_render_as_text(live: LiveServer, browser: Browser) -> None:
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\u202e"\''
    with transaction(live.container.sessions) as s:
        album = s.scalars(select(Album).order_by(Album.id)).first()
        assert album is not None
        album.title = hostile
        album_id = album.public_id
    page = _page(browser)
    _login_by_form(page, live)
    page.wait_for_selector("text=New releases")
    page.goto(f"{live.base_url}/album/{album_id}")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == hostile
    assert hostile in page.title()
    assert page.evaluate("window.__pwned") is None
    page.close()


def test_unknown_album_shows_not_found(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    _login_by_form(page, live, "/album/AAAAAAAAAAAAAAAAAAAAAA")
    page.wait_for_url("**/album/AAAAAAAAAAAAAAAAAAAAAA")  # log-in leads back to the deep link
    page.wait_for_selector("h1:text('Not found')")
    page.close()


def test_chromium_is_debians(browser: Browser) -> None:
    assert shutil.which("chromium") == CHROMIUM or os.path.exists(CHROMIUM)
