"""Radio and autoplay in real Chromium: Start radio from an album, autoplay when the queue's last track
starts (the queue says so), the settings switch that turns it off."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from encore import discovery
from encore.accounts import create_user
from encore.db import transaction
from tests.support.live import LiveServer, first_album_id, seeded_container, serve
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
QUEUE = "[...document.querySelectorAll('#queue-list .track-title')].map(e => e.textContent)"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    container = seeded_container(tmp_path_factory.mktemp("radio"))
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
        discovery.train(s, now=container.clock.now())  # nobody listened yet: catalogue neighbours only
    with serve(container) as server:
        yield server
    container.close()


def _playing(page: Page) -> None:
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)


def test_start_radio_then_autoplay_extends_the_queue(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live)
    page.wait_for_selector("text=New releases")
    page.goto(f"{live.base_url}/album/{first_album_id(live.container)}")
    page.get_by_role("button", name="Start radio from", exact=False).click()
    _playing(page)
    page.click("#nav a[data-nav=queue]")
    page.wait_for_selector("#queue-list")
    radio = page.evaluate(QUEUE)
    assert radio and page.inner_text("#np-title") == radio[0]
    assert page.locator("#autoplay-note").count() == 0
    # Play the queue's last track: autoplay fetches similar music and the queue says where it begins.
    page.get_by_role("button", name=f"Play {radio[-1]}").last.click()
    page.wait_for_selector("#autoplay-note")
    after = page.evaluate(QUEUE)
    assert len(after) > len(radio) and after[: len(radio)] == radio
    assert not set(after[len(radio) :]) & set(radio)  # nothing already queued comes back
    notes = page.evaluate("[...document.querySelectorAll('#queue-list li')].map(li => li.id || 'track')")
    assert notes.index("autoplay-note") == len(radio)
    page.click("#btn-next")  # the first autoplay track plays through the usual path
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {after[len(radio)]!r}")
    _playing(page)


def test_autoplay_off_in_settings_leaves_the_queue_alone(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 390, "height": 844})  # phone
    _login(page, live)
    page.wait_for_selector("text=New releases")
    page.goto(f"{live.base_url}/settings")
    box = page.locator("#set-autoplay")
    box.wait_for()
    assert box.is_checked()
    with page.expect_response(lambda r: r.url.endswith("/api/me/discovery") and r.request.method == "PATCH"):
        box.uncheck()
    page.goto(f"{live.base_url}/album/{first_album_id(live.container)}")
    page.locator("#main .track-play").last.click()
    _playing(page)
    page.goto(f"{live.base_url}/queue")
    page.wait_for_selector("#queue-list")
    page.wait_for_timeout(500)
    assert page.locator("#autoplay-note").count() == 0
    with page.expect_response(lambda r: r.url.endswith("/api/me/discovery") and r.request.method == "PATCH"):
        page.goto(f"{live.base_url}/settings")
        page.locator("#set-autoplay").check()
