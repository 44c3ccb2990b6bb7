"""Wrapped in real Chromium: a demo-like listener opens 2024, taps through the story, downloads a card,
makes a share link that opens in a logged-out browser, then revokes it."""

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Route
from sqlalchemy import select

from encore.accounts import User, create_user
from encore.db import transaction
from encore.demo import Listener, seed_listening
from tests.support.browser import go
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("wrapped")
    container = seeded_container(work)
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
        create_user(s, username="other", password="other-pass-12", display_name="Other")
        ids = list(s.scalars(select(User.id).order_by(User.id)))
    # The demo's own generator: years of sessions with a daily rhythm, as after `make run`.
    seed_listening(container.sessions, listeners=[Listener(ids[0], 1, 0.6), Listener(ids[1], 2, 0.4)], now=NOW)
    with serve(container) as server:
        yield server
    container.close()


def test_story_tap_through_download_and_share(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 430, "height": 860}, accept_downloads=True)
    _login(page, live, "/wrapped")
    page.wait_for_selector(".wrapped-periods")
    page.get_by_role("link", name="Wrapped 2024").click()
    page.wait_for_selector(".wrapped-stage h2")
    assert page.inner_text(".wrapped-stage h2") == "Encore Wrapped 2024"
    total = int(page.inner_text(".wrapped-counter").split("/")[1])
    assert total >= 6

    seen = [page.get_attribute(".wrapped-stage", "data-kind")]
    for n in range(2, total + 1):
        page.click(".wrapped-stage", position={"x": 300, "y": 300})  # tap the right side: next card
        page.wait_for_function(f"document.querySelector('.wrapped-counter').textContent.startsWith('{n} /')")
        seen.append(page.get_attribute(".wrapped-stage", "data-kind"))
    assert seen[0] == "intro" and seen[-1] == "summary" and "top_artists" in seen and "clock" in seen
    assert "Top artist:" in page.inner_text(".wrapped-stage")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.querySelector('.wrapped-counter').textContent.startsWith('{total - 1} /')")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"document.querySelector('.wrapped-counter').textContent.startsWith('{total} /')")

    with page.expect_download() as download:
        page.click(".wrapped-download")
    png = Image.open(io.BytesIO(download.value.path().read_bytes()))
    assert png.format == "PNG" and png.size == (1080, 1920)
    assert download.value.suggested_filename == f"encore-wrapped-2024-{total}.png"

    page.get_by_role("button", name="Make playlist").click()
    page.wait_for_selector(".wrapped-share-link a")
    assert "Your top songs 2024" in page.inner_text(".wrapped-share-link")

    refusal = {"error": {"code": "rate_limited", "message": "Too many share links; try again in a minute."}}
    page.route("**/shares", lambda route: route.fulfill(status=429, json=refusal))  # the server says no once
    page.get_by_role("button", name="Share link").click()
    page.wait_for_selector(".wrapped-share-link:text('Too many share links; try again in a minute.')")
    page.unroute("**/shares")
    page.get_by_role("button", name="Share link").click()
    url = page.input_value(".wrapped-share-link input")
    assert url.startswith(live.base_url + "/wrapped/s/")
    friend = _page(browser)  # a separate, logged-out browser context
    friend.goto(url)
    assert friend.inner_text("h1") == "Encore Wrapped 2024"
    assert friend.locator(".wrapped-card").count() == total
    og = friend.get_attribute('meta[property="og:image"]', "content") or ""
    assert og.endswith("/preview.png")  # the 1200x630 link preview, not a 1080x1920 story card
    preview = httpx.get(live.base_url + "/wrapped/s/" + og.split("/wrapped/s/", 1)[1])
    assert preview.status_code == 200 and Image.open(io.BytesIO(preview.content)).size == (1200, 630)
    assert "Listener" not in friend.content()  # nothing of the account but the story

    page.get_by_role("button", name="Revoke link").click()
    page.wait_for_selector("text=Link revoked")
    assert friend.goto(url).status == 404  # type: ignore[union-attr]
    friend.close()
    page.close()


def test_a_share_link_is_listed_and_revoked_after_its_dialog_closed(live: LiveServer, browser: Browser) -> None:
    """probe16 F3: the only Revoke button went with the dialog. The Wrapped page lists the live links."""
    page = _page(browser, viewport={"width": 430, "height": 860})
    _login(page, live, "/wrapped")
    page.wait_for_selector(".wrapped-periods")
    assert page.locator(".wrapped-shares li").count() == 0
    page.get_by_role("link", name="Wrapped 2024").click()
    page.wait_for_selector(".wrapped-stage h2")
    page.get_by_role("button", name="Share link").click()
    url = page.input_value(".wrapped-share-link input")
    page.get_by_role("button", name="Close").click()  # the dialog, and its Revoke button, are gone

    page.wait_for_selector(".wrapped-shares li")
    assert page.inner_text(".wrapped-shares").startswith("Wrapped 2024, made ")
    assert url not in page.content()  # only a hash of the link is kept: named, not shown again
    friend = _page(browser)
    assert friend.goto(url).status == 200  # type: ignore[union-attr]
    page.get_by_role("button", name="Revoke link: Wrapped 2024", exact=False).click()
    page.wait_for_selector(".wrapped-shares-status:text('Link revoked')")
    assert page.locator(".wrapped-shares li").count() == 0
    assert friend.goto(url).status == 404  # type: ignore[union-attr]
    page.reload()
    page.wait_for_selector(".wrapped-periods")
    assert page.locator(".wrapped-shares li").count() == 0
    friend.close()
    page.close()


def test_a_story_left_before_its_data_came_leaves_no_key_catcher(live: LiveServer, browser: Browser) -> None:
    """review30b M3: Wrapped 2024 pressed, Library pressed before the year's data came. The story, dropped unmounted
    by the router, had already put its key catcher on the window and never heard `encore:leave`: Escape on Library
    went to /wrapped and ←/→/Space never reached the page again. The year's answer is held until after the move."""
    page = _page(browser, viewport={"width": 1366, "height": 900})
    held: list[Route] = []
    # The first ask is not answered until released below; later ones are let through.
    page.route("**/api/me/wrapped/2024", lambda route: route.continue_() if held else held.append(route))
    _login(page, live, "/wrapped")
    page.wait_for_selector(".wrapped-periods")
    page.get_by_role("link", name="Wrapped 2024").click()
    deadline = time.monotonic() + 15
    while not held:
        assert time.monotonic() < deadline, "the year's data was never asked for"
        page.wait_for_timeout(25)
    go(page, "/library")
    with page.expect_response("**/api/me/wrapped/2024"):
        held[0].continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 100))")  # the dropped story's ticks have run

    assert page.locator(".wrapped-story").count() == 0
    page.evaluate("() => document.addEventListener('keydown', (e) => { window.__reached = e.key; })")
    page.locator("#main h1").first.click()  # focus on the page, on nothing that takes keys itself
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => window.__reached") == "ArrowRight"  # the page's own keys (the player's seek) hear it
    page.keyboard.press("Escape")
    page.wait_for_timeout(100)
    assert page.evaluate("() => location.pathname") == "/library"

    go(page, "/wrapped/2024")  # a story shown catches its keys as before: Escape leaves it for the list
    page.wait_for_selector(".wrapped-stage h2")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('.wrapped-counter').textContent.startsWith('2 /')")
    page.keyboard.press("Escape")
    page.wait_for_selector(".wrapped-periods")
    assert page.evaluate("() => location.pathname") == "/wrapped"
    page.close()
