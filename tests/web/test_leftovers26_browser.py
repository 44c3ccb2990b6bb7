"""Session 25's pages left over (its note, "Left / risks"), in real Chromium: sign-up told one problem at a time;
the admin table on a phone gave no hint that it scrolls sideways; the phone's mini player with nothing queued
read "Nothing pla…" beside live buttons."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from encore.accounts import Role, create_user
from encore.catalog import Album
from encore.db import transaction
from tests.support.browser import sign_in
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import SCREENSHOTS, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "leftovers26-pass"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    container = seeded_container(tmp_path_factory.mktemp("leftovers26"))
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PW, role=Role.ADMIN)
        create_user(s, username="fan", password=PW, display_name="A listener with a long display name")
    with serve(container) as server:
        yield server
    container.close()


def test_sign_up_shows_every_problem_beside_its_field(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport=PHONE)
    page.goto(live.base_url + "/")
    page.wait_for_selector("form.login")
    page.check("#login-signup")
    page.fill("#login-user", "two words")
    page.fill("#login-pass", "short")
    page.click("form.login button[type=submit]")
    page.locator("#login-user-error").wait_for()
    assert page.inner_text("#login-user-error") == (
        "A username can use the letters a-z (no accents or spaces), digits, '.', '_' and '-' only, 2 to 32 of them."
    )
    assert page.inner_text("#login-pass-error") == "Password must be at least 8 characters."
    assert page.get_attribute("#login-user", "aria-invalid") == "true"
    assert page.get_attribute("#login-pass", "aria-invalid") == "true"
    assert page.inner_text("form.login .form-error") == "Please check the highlighted fields."
    page.uncheck("#login-signup")  # review27b F1: back to log in, the sign-up's sentences go with its form
    assert page.locator("#login-user-error, #login-pass-error").count() == 0
    assert page.inner_text("form.login .form-error") == ""
    assert page.get_attribute("#login-user", "aria-invalid") is None


def test_sign_up_asks_the_name_others_see(live: LiveServer, browser: Browser) -> None:
    """review26a M1: sign-up asked only a username and a password, so every web account showed others its login
    name (now a neutral "Listener xxxx" until one is chosen): the form asks for the name, and only to sign up."""
    page = _page(browser, viewport=PHONE)
    page.goto(live.base_url + "/")
    page.wait_for_selector("form.login")
    assert not page.is_visible("#login-name")  # logging in asks no name
    page.check("#login-signup")
    assert page.is_visible("#login-name") and "never your username" in page.inner_text("label[for=login-name]")
    page.fill("#login-user", "night_owl_26")
    page.fill("#login-pass", "a long enough pass 26")
    page.fill("#login-name", "Rev\u202eersed")  # a bidi override: refused beside the field, nothing made
    page.click("form.login button[type=submit]")
    page.locator("#login-name-error").wait_for()
    assert page.get_attribute("#login-name", "aria-invalid") == "true"
    page.fill("#login-name", "  Night Owl  ")
    page.click("form.login button[type=submit]")
    page.wait_for_selector("form.login", state="detached")
    me = page.request.get(live.base_url + "/api/me").json()
    assert me["display_name"] == "Night Owl" and me["chosen_display_name"] == "Night Owl", me


def test_the_admin_table_on_a_phone_says_it_scrolls(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport=PHONE)
    sign_in(page, live.base_url, "root", PW, "/admin")
    page.wait_for_selector('.admin-users tr[data-user="fan"]')
    box = page.locator(".table-scroll:has(.admin-users)")
    cue = page.locator(".table-scroll-wrap:has(.admin-users) .scroll-cue")
    assert box.evaluate("(b) => b.scrollWidth > b.clientWidth")  # the actions are out of sight at first
    cue.wait_for()
    shown = cue.bounding_box()
    assert shown is not None and shown["x"] >= 0 and shown["x"] + shown["width"] <= PHONE["width"]
    assert cue.inner_text() == "More columns to the right: swipe sideways →"
    page.screenshot(path=str(SCREENSHOTS / "admin-cue-390x844.png"))
    box.evaluate("(b) => { b.scrollLeft = b.scrollWidth; }")  # at its end, nothing more to the right
    cue.wait_for(state="hidden")
    assert page.locator('.admin-users tr[data-user="fan"] button:text("Grant Premium")').is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})  # where it fits, no cue
    cue.wait_for(state="hidden")
    assert box.evaluate("(b) => b.scrollWidth <= b.clientWidth")


def test_the_mini_player_with_nothing_queued(live: LiveServer, browser: Browser) -> None:
    with live.container.sessions() as s:
        album_id = s.scalars(select(Album.public_id).order_by(Album.id)).first()
    page = _page(browser, viewport=PHONE)
    sign_in(page, live.base_url, "fan", PW, "/")
    title = page.locator("#np-title")
    title.wait_for()
    assert title.inner_text() == "Nothing playing"
    assert title.evaluate("(t) => t.clientWidth > 0 && t.scrollWidth <= t.clientWidth")  # whole, not "Nothing pla…"
    assert page.inner_text("#np-artists") == "Choose a song to play"
    for button in ("#btn-play", "#btn-next"):
        assert page.is_disabled(button), button
        assert page.get_attribute(button, "title") == "Nothing queued: choose a song to play"
    page.screenshot(path=str(SCREENSHOTS / "player-idle-390x844.png"))
    page.goto(f"{live.base_url}/album/{album_id}")
    page.click(".hero-actions .big-play")
    page.wait_for_function("document.querySelector('#np-title').textContent !== 'Nothing playing'")
    assert not page.is_disabled("#btn-play") and not page.is_disabled("#btn-next")
    assert page.get_attribute("#btn-next", "title") is None


def test_the_track_menus_refused_like_says_so_and_keeps_the_focus(live: LiveServer, browser: Browser) -> None:
    """review28b F1: the ⋯ menu's Like awaited the server with no catch: a refusal (a tab signed out elsewhere)
    showed nothing, threw an uncaught error and left the focus on the page's body."""
    with live.container.sessions() as s:
        album_id = s.scalars(select(Album.public_id).order_by(Album.id)).first()
    page = _page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live.base_url, "fan", PW, f"/album/{album_id}")
    page.wait_for_selector("#main .track-more")
    refusal = {"error": {"code": "not_authenticated", "message": "log in first"}}
    page.route("**/api/me/likes/tracks/*", lambda route: route.fulfill(status=401, json=refusal))
    page.locator("#main .track-more").first.click()
    page.get_by_role("menuitem", name="Like", exact=True).click()
    page.wait_for_selector('#toast:has-text("wasn\'t liked: log in first")')
    assert page.evaluate("document.activeElement.classList.contains('track-more')")  # back on its ⋯ button
    assert errors == []
    page.close()


def test_the_sliders_say_time_and_percent_to_a_screen_reader(live: LiveServer, browser: Browser) -> None:
    """review28b F4: the seek bar was announced as "8.8" (of 41.44…) and the volume as "0.8"."""
    with live.container.sessions() as s:
        album_id = s.scalars(select(Album.public_id).order_by(Album.id)).first()
    page = _page(browser)
    sign_in(page, live.base_url, "fan", PW, f"/album/{album_id}")
    page.click(".hero-actions .big-play")
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    page.evaluate("document.querySelector('#audio').pause()")
    page.focus("#seek")
    page.keyboard.press("ArrowRight")
    said = page.get_attribute("#seek", "aria-valuetext")
    assert said == f"{page.inner_text('#time-cur')} of {page.inner_text('#time-dur')}", said
    assert re.fullmatch(r"0:0[5-9] of \d+:\d\d", said), said  # the press moved it 5 s, in words
    assert page.get_attribute("#volume", "aria-valuetext") == "80 %"
    page.focus("#volume")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#volume", "aria-valuetext") == "79 %"
    page.close()
