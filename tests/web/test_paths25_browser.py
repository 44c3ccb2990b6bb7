"""What probe25a found on the paths people walk (session 25), in real Chromium: one server, one page per test.

M1: the label portal printed the word "null" under every published release (a form that is nothing when every
track has its own number went into the DOM's replaceChildren, which writes a null out as text).
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from encore import billing, library
from encore.accounts import Role, create_user
from encore.catalog import Album
from encore.db import transaction
from encore.library import Playlist
from tests.support.browser import sign_in
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "paths25-pass-1234"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A label account (`label`) on the first album's label, and a listener."""
    container = seeded_container(tmp_path_factory.mktemp("paths25"))
    with transaction(container.sessions) as s:
        album = s.scalars(select(Album).where(Album.label_id.is_not(None)).order_by(Album.id)).first()
        assert album is not None
        create_user(s, username="label", password=PW, role=Role.LABEL).label_id = album.label_id
        create_user(s, username="listener", password=PW)
        create_user(s, username="maker", password=PW)  # no playlist yet
        gifted = create_user(s, username="gifted", password=PW)
        billing.grant_premium(s, user_public_id=gifted.public_id, plan="premium", days=30, now=datetime.now(UTC))
        bob = create_user(s, username="bob", password=PW)
        library.create_playlist(s, owner_id=bob.id, name="Bob's empty", public=True, now=datetime.now(UTC))
    with serve(container) as server:
        yield server
    container.close()


def test_a_published_release_shows_no_null(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    sign_in(page, live.base_url, "label", PW, "/label")
    page.wait_for_selector("li.label-album h3")
    published = page.locator("li.label-album").filter(has=page.locator(".release-withdraw"))
    assert published.count() >= 1
    texts = page.evaluate(
        """() => [...document.querySelectorAll("li.label-album")].flatMap((li) =>
            [...li.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent))"""
    )
    assert texts == []  # every child of a release's block is an element: no stray "null"
    assert "null" not in page.locator("#main").inner_text().split()


def test_deleting_dates_says_why_when_the_count_fails(live: LiveServer, browser: Browser) -> None:
    """L1: "Delete these dates" said "No plays on those days." whenever its count request failed (a reversed
    range, a server error, offline), while the plays were all there."""
    page = _page(browser)
    sign_in(page, live.base_url, "listener", PW, "/history")
    page.wait_for_selector("#history-since")
    page.fill("#history-since", "2026-11-03")
    page.fill("#history-until", "2026-11-01")
    page.click("button:text('Delete these dates')")
    error = page.locator("#main .form-error")
    error.filter(has_text="first day comes after").wait_for()
    assert "No plays" not in page.inner_text("#main .history-count")

    page.fill("#history-until", "2026-11-05")
    error.filter(has_text="first day").wait_for(state="detached")  # the list reloaded for the new range
    page.route(
        re.compile(r".*/api/me/history\?.*&limit=1$"),
        lambda route: route.fulfill(
            status=503,
            content_type="application/json",
            body='{"error": {"code": "unavailable", "message": "The server is busy: try again shortly."}}',
        ),
    )
    page.click("button:text('Delete these dates')")
    error.filter(has_text="Nothing deleted: The server is busy").wait_for()
    assert "No plays" not in page.inner_text("#main .history-count")


def test_a_track_menu_starts_a_new_playlist(live: LiveServer, browser: Browser) -> None:
    """L4: a listener with no playlist found no way to start one from a track: the ⋯ menu listed only existing
    playlists. "New playlist…" asks a name and makes the playlist with the track in it."""
    with live.container.sessions() as s:
        album_id = s.scalars(select(Album.public_id).order_by(Album.id)).first()
    page = _page(browser)
    sign_in(page, live.base_url, "maker", PW, f"/album/{album_id}")
    first = page.locator("#main li[data-track-id]").first
    track_id = first.get_attribute("data-track-id")
    first.locator(".track-more").click()
    page.click(".menu [role=menuitem]:text('New playlist…')")
    dialog = page.locator("dialog.new-playlist")
    dialog.locator("button:text('Create and add')").click()
    assert dialog.locator(".form-error").inner_text() == "Give the playlist a name."  # nothing made
    dialog.locator("input").fill("Road songs")
    dialog.locator("button:text('Create and add')").click()
    page.locator("#toast").filter(has_text="Added to Road songs").wait_for()
    assert not dialog.count()
    mine = page.context.request.get(live.base_url + "/api/me/playlists").json()["items"]
    assert [(p["name"], p["total_tracks"]) for p in mine] == [("Road songs", 1)]
    items = page.context.request.get(f"{live.base_url}/api/playlists/{mine[0]['id']}/items").json()["items"]
    assert [i["track"]["id"] for i in items] == [track_id]


def test_words_that_were_wrong_for_who_reads_them(live: LiveServer, browser: Browser) -> None:
    """L4 wording, one page: sign-up mode names itself; Premium from a code or an admin ends, it does not renew;
    the Subscribe button with no checkout looks disabled; another listener's empty playlist does not tell the
    viewer to add tracks to it."""
    page = _page(browser)
    page.goto(live.base_url + "/")
    page.wait_for_selector("form.login")
    page.check("#login-signup")
    assert page.inner_text("form.login h1") == "Create your account"
    assert page.inner_text("form.login button[type=submit]") == "Sign up"
    page.uncheck("#login-signup")
    assert page.inner_text("form.login h1") == "Log in to Encore"

    sign_in(page, live.base_url, "gifted", PW, "/upgrade")
    state = page.locator("#sub-state")
    state.wait_for()
    assert state.inner_text().startswith("Premium until ") and "renews" not in state.inner_text()
    page.context.clear_cookies()

    sign_in(page, live.base_url, "listener", PW, "/upgrade")
    subscribe = page.locator("#btn-subscribe")
    subscribe.wait_for()
    assert subscribe.is_disabled()
    assert float(subscribe.evaluate("(b) => getComputedStyle(b).opacity")) < 0.6

    with live.container.sessions() as s:
        playlist_id = s.scalars(select(Playlist.public_id).where(Playlist.name == "Bob's empty")).one()
    page.goto(f"{live.base_url}/playlist/{playlist_id}")
    empty = page.locator("#main p.empty")
    empty.wait_for()
    assert empty.inner_text() == "No tracks in this playlist yet."
