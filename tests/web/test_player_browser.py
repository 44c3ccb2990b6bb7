"""The web player in real Chromium: queue, gapless hand-over, playlists, resume, phone layout, hostile names."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, Request
from sqlalchemy import select

from encore import catalog, library
from encore.accounts import create_user
from encore.catalog import Album, Track
from encore.db import transaction
from tests.support.browser import go
from tests.support.live import LiveServer, first_album_id, seeded_container, serve
from tests.web.test_first_page_browser import SCREENSHOTS, _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\u202e"\''
PLAYLIST_NAME = HOSTILE.replace("\u202e", "\u200f")  # a playlist refuses overrides (review24n N2), keeps marks
TITLES = "[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("player")
    container = seeded_container(work)
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
        create_user(s, username="other", password="other-pass-12", display_name="Other")
    with serve(container) as server:
        yield server
    container.close()


def _album(live: LiveServer) -> str:
    return first_album_id(live.container)


def _open_album(page: Page, live: LiveServer, *, signed_in: bool = True) -> None:
    """The album's page with its tracks shown. A page not yet signed in signs in straight onto it: one page load,
    where loading home first and then the album cost two and checked nothing on home. A page already in the app
    moves there as a link does (`go`): no test here proves anything of the album page's own load."""
    if signed_in:
        go(page, f"/album/{_album(live)}")
    else:
        _login(page, live, f"/album/{_album(live)}")
    page.wait_for_selector("#main .track-play")


def _playing(page: Page, at_least: float = 0.3) -> None:
    page.wait_for_function(f"document.querySelector('#audio').currentTime > {at_least}", timeout=15000)


def test_queue_next_previous_shuffle_repeat(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _open_album(page, live, signed_in=False)
    titles = page.evaluate(TITLES)
    assert len(titles) >= 3
    page.locator("#main .track-play").first.click()
    _playing(page)
    assert page.inner_text("#np-title") == titles[0]

    page.click("#btn-next")
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[1]!r}")
    _playing(page)
    page.click("#btn-prev")  # within 3 s of the start: back to the previous track
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[0]!r}")

    # Play next puts the last track right after the current one; the queue view shows it there.
    page.locator("#main .track-more").last.click()
    page.get_by_role("menuitem", name="Play next").click()
    page.goto(f"{live.base_url}/queue")  # a reload: the queue is restored from localStorage
    page.wait_for_selector("#queue-list")
    queue = page.evaluate("[...document.querySelectorAll('#queue-list .track-title')].map(e => e.textContent)")
    assert queue[:2] == [titles[0], titles[-1]]
    page.get_by_role("button", name=f"Move {titles[-1]} down").first.click()
    page.wait_for_function(f"document.querySelectorAll('#queue-list .track-title')[2].textContent === {titles[-1]!r}")
    # Add to queue puts a track at the end.
    _open_album(page, live)
    page.locator("#main .track-more").nth(1).click()
    page.get_by_role("menuitem", name="Add to queue").click()
    page.click("#nav a[data-nav=queue]")
    page.wait_for_selector("#queue-list")
    queue = page.evaluate("[...document.querySelectorAll('#queue-list .track-title')].map(e => e.textContent)")
    assert queue[-1] == titles[1] and len(queue) == len(titles) + 2
    # Clearing leaves the current track as the queue's last, so autoplay at once asks for similar music to follow
    # it (the player is paused since the reload: nothing plays on). Wait for that answer rather than race it: the
    # queue is the current track, then the autoplay note and exactly the tracks the server sent.
    with page.expect_response(lambda r: r.url.endswith("/api/radio/next")) as similar:
        page.get_by_role("button", name="Clear queue").click()
    sent = len(similar.value.json()["tracks"])
    page.wait_for_function(f"document.querySelectorAll('#queue-list .track').length === {1 + sent}")
    first = page.locator("#queue-list > li").first
    assert first.get_attribute("aria-current") == "true" and first.locator(".track-title").inner_text() == titles[0]
    note_at = "[...document.querySelectorAll('#queue-list > li')].findIndex(li => li.id === 'autoplay-note')"
    assert page.evaluate(note_at) == (1 if sent else -1)

    page.click("#btn-repeat")
    assert page.get_attribute("#btn-repeat", "data-mode") == "all"
    page.click("#btn-repeat")
    assert page.get_attribute("#btn-repeat", "data-mode") == "one"
    page.click("#btn-shuffle")
    assert page.get_attribute("#btn-shuffle", "aria-pressed") == "true"
    page.close()


def test_next_track_is_prefetched_and_hands_over_without_reloading(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    streams: list[Request] = []
    page.on("request", lambda r: streams.append(r) if "/stream/" in r.url else None)
    _open_album(page, live, signed_in=False)
    titles = page.evaluate(TITLES)
    page.locator("#main .track-play").first.click()
    _playing(page)
    # Not at the start (a skip must not pay for a prefetch), but 20 s before the current track ends the
    # standby element holds the next signed URL.
    assert not page.evaluate(
        "document.querySelector('#audio').duration - document.querySelector('#audio').currentTime < 20"
    )
    assert not (page.get_attribute("#audio-next", "src") or "")
    page.evaluate("document.querySelector('#audio').currentTime = document.querySelector('#audio').duration - 18")
    page.wait_for_function("(document.querySelector('#audio-next').getAttribute('src') || '').includes('s=')")
    page.wait_for_function("document.querySelector('#audio-next').readyState >= 2", timeout=15000)
    prefetched = page.get_attribute("#audio-next", "src")
    page.evaluate("document.querySelector('#audio').currentTime = document.querySelector('#audio').duration - 0.5")
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[1]!r}", timeout=15000)
    _playing(page, 0.2)
    assert page.get_attribute("#audio", "src") == prefetched  # the prefetched element took over
    assert any(r.headers.get("range", "").startswith("bytes=") for r in streams)
    page.close()


def test_expired_stream_url_is_renewed_without_the_user_noticing(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    _open_album(page, live, signed_in=False)
    page.locator("#main .track-play").first.click()
    _playing(page, 1.0)
    expired = page.evaluate("""() => {
        const a = document.querySelector('#audio');
        const u = new URL(a.src);
        u.searchParams.set('e', '1000000000');  // long past: the server refuses it
        a.src = u.toString();
        a.play().catch(() => {});
        return u.toString();
    }""")
    page.wait_for_function(f"document.querySelector('#audio').src !== {expired!r}", timeout=15000)
    _playing(page, 0.5)
    assert "Something went wrong" not in page.inner_text("#main")
    page.close()


def test_resume_after_reload_keeps_track_and_position(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    _open_album(page, live, signed_in=False)
    page.locator("#main .track-play").nth(1).click()
    _playing(page)
    page.evaluate("document.querySelector('#audio').currentTime = 12")
    page.wait_for_function("document.querySelector('#audio').currentTime > 12")
    title = page.inner_text("#np-title")
    page.evaluate("window.dispatchEvent(new Event('pagehide'))")
    page.reload()
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {title!r}")
    page.wait_for_function("document.querySelector('#audio').currentTime >= 11")
    assert page.evaluate("document.querySelector('#audio').paused")  # resumed, not auto-started
    page.click("#nav a[data-nav=home]")
    page.wait_for_selector("text=Continue listening")
    page.close()


def test_playlist_create_add_reorder_reload_keeps_order(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live)
    page.wait_for_selector("text=New releases")
    page.click("#nav a[data-nav=library]")
    page.fill("#new-playlist-name", PLAYLIST_NAME)
    page.click("text=Create playlist")
    page.wait_for_url(re.compile(r".*/playlist/[0-9A-Za-z]+$"))
    playlist_url = page.url
    page.wait_for_selector("text=Edit playlist")
    assert page.locator("h1").inner_text() == PLAYLIST_NAME
    assert PLAYLIST_NAME in page.title()

    _open_album(page, live)
    titles = page.evaluate(TITLES)[:3]
    for i in range(3):
        page.locator("#main .track-more").nth(i).click()
        # The menu closes at once and the add is saved behind it: wait for the save before the next step
        # (leaving the page could cancel it, and three adds in flight could land in any order).
        with page.expect_response(lambda r: r.url.endswith("/items") and r.request.method == "POST"):
            page.locator(".menu button", has_text=PLAYLIST_NAME).click()
        page.wait_for_selector(".menu", state="detached")
    page.goto(playlist_url)
    page.wait_for_function(f"{TITLES}.length === 3")
    assert page.evaluate(TITLES) == titles
    page.get_by_role("button", name=f"Move {titles[0]} down").click()
    page.wait_for_function(f"{TITLES}[1] === {titles[0]!r}")
    page.reload()
    page.wait_for_function(f"{TITLES}.length === 3")
    assert page.evaluate(TITLES) == [titles[1], titles[0], titles[2]]
    page.get_by_role("button", name=f"Remove {titles[2]} from playlist").click()
    page.wait_for_function(f"{TITLES}.length === 2")
    page.locator("#main .track-play").first.click()
    _playing(page)
    assert page.evaluate("window.__pwned") is None
    page.go_back()  # back and forward keep working across views
    page.wait_for_url(f"**/album/{_album(live)}")
    page.go_forward()
    page.wait_for_url(playlist_url)
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == PLAYLIST_NAME
    page.close()


def test_readme_screenshot_of_a_playlist_playing_on_a_desktop(live: LiveServer, browser: Browser) -> None:
    """The README's desktop picture, with ordinary names (hostile ones stay in the tests' assertions)."""
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live)
    page.wait_for_selector("text=New releases")
    page.click("#nav a[data-nav=library]")
    page.fill("#new-playlist-name", "Late Night Drive")
    page.click("text=Create playlist")
    page.wait_for_selector("text=Edit playlist")
    playlist_url = page.url
    _open_album(page, live)
    for i in range(4):
        page.locator("#main .track-more").nth(i).click()
        page.locator(".menu button", has_text="Late Night Drive").click()
        page.wait_for_selector(".menu", state="detached")
    page.goto(playlist_url)
    page.wait_for_function(f"{TITLES}.length === 4")
    page.locator("#main .track-play").nth(1).click()
    _playing(page, 1.0)
    page.screenshot(path=str(SCREENSHOTS / "player-1280x800.png"))
    page.close()


def test_playlist_rename_and_delete_and_media_session(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live)
    page.wait_for_selector("text=New releases")
    page.click("#nav a[data-nav=library]")
    page.fill("#new-playlist-name", "Draft")
    page.click("text=Create playlist")
    page.wait_for_selector("text=Edit playlist")
    page.click("text=Edit playlist")
    page.fill("#pl-name", "Sunday Morning")
    page.click("#main button:text('Save')")
    page.wait_for_selector("h1:text('Sunday Morning')")
    page.reload()
    page.wait_for_selector("h1:text('Sunday Morning')")
    assert page.title().startswith("\u2068Sunday Morning\u2069 · ")  # the name isolated from the words after it
    page.click("text=Edit playlist")
    page.once("dialog", lambda d: d.accept())
    page.click("text=Delete playlist")
    page.wait_for_url("**/library")
    page.wait_for_selector("text=Liked Songs")
    assert page.locator("#main .card", has_text="Sunday Morning").count() == 0
    # Lock-screen controls: the Media Session carries the playing track.
    _open_album(page, live)
    first = page.evaluate(TITLES)[0]
    page.locator("#main .track-play").first.click()
    _playing(page)
    assert page.evaluate("navigator.mediaSession.metadata.title") == first
    assert page.evaluate("navigator.mediaSession.playbackState") == "playing"
    assert page.evaluate("navigator.mediaSession.metadata.artwork.length") >= 1
    page.close()


def test_other_users_private_playlist_shows_not_found(live: LiveServer, browser: Browser) -> None:
    with transaction(live.container.sessions) as s:
        from encore.accounts import User

        other = s.scalars(select(User).where(User.username == "other")).one()
        p = library.create_playlist(s, owner_id=other.id, name="Secret", now=datetime.now(UTC))
    page = _page(browser)
    _login(page, live, f"/playlist/{p.id}")
    page.wait_for_selector("h1:text('Not found')")
    assert "Secret" not in page.inner_text("#main")
    page.goto(f"{live.base_url}/playlist/AAAAAAAAAAAAAAAAAAAAAA")
    page.wait_for_selector("h1:text('Not found')")
    page.close()


def test_settings_normalisation_toggle_and_devices_section(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    _login(page, live, "/settings")
    page.wait_for_selector("#set-normalise")
    assert page.is_checked("#set-normalise")  # on by default
    page.uncheck("#set-normalise")
    page.wait_for_selector("text=Apps and devices")
    page.reload()
    page.wait_for_selector("#set-normalise")
    assert not page.is_checked("#set-normalise")
    page.close()


def test_keyboard_shortcuts(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    _open_album(page, live, signed_in=False)
    page.locator("#main .track-play").first.click()
    _playing(page)
    page.locator("h1").click()  # focus away from buttons
    page.keyboard.press(" ")
    page.wait_for_function("document.querySelector('#audio').paused")
    page.keyboard.press(" ")
    page.wait_for_function("!document.querySelector('#audio').paused")
    before = page.evaluate("document.querySelector('#audio').currentTime")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.querySelector('#audio').currentTime") >= before + 4
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.close()


def test_phone_bottom_nav_and_mini_player_expand(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    _login(page, live)
    page.wait_for_selector("text=New releases")
    nav = page.locator("#nav").bounding_box()
    assert nav is not None and nav["y"] + nav["height"] >= 844 - 2  # the bottom navigation
    _open_album(page, live)
    page.locator("#main .track-play").first.click()
    _playing(page)
    mini = page.locator("#player").bounding_box()
    assert mini is not None and mini["y"] + mini["height"] <= nav["y"] + 1  # mini player above the nav
    for sel in ["#btn-play", "#btn-next", "#nav a"]:
        box = page.locator(sel).first.bounding_box()
        assert box is not None and box["width"] >= 44 and box["height"] >= 44, sel
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#np-expand")
    page.wait_for_function("document.querySelector('#player').classList.contains('expanded')")
    assert page.is_visible("#seek") and page.is_visible("#btn-shuffle")
    page.screenshot(path=str(SCREENSHOTS / "player-390x844-now-playing.png"))
    page.click("#np-expand")
    page.goto(f"{live.base_url}/")
    page.wait_for_selector("text=Continue listening")
    page.screenshot(path=str(SCREENSHOTS / "player-390x844.png"))
    page.close()


def test_hostile_names_in_every_view(live: LiveServer, browser: Browser) -> None:
    with transaction(live.container.sessions) as s:
        album = s.scalars(select(Album).order_by(Album.id.desc())).first()
        assert album is not None
        album.title = HOSTILE
        track = s.scalars(select(Track).where(Track.album_id == album.id).order_by(Track.id)).first()
        assert track is not None
        track.title = HOSTILE
        album.artists[0].artist.name = HOSTILE
        catalog.catalogue_changed(s)  # written past the label service, so say what it would have said
        album_id, artist_id = album.public_id, album.artists[0].artist.public_id
    page = _page(browser)
    _login(page, live)
    page.wait_for_selector("text=New releases")
    for path in [f"/album/{album_id}", f"/artist/{artist_id}"]:  # each view as a link reaches it (`go`)
        go(page, path)
        page.wait_for_selector("h1")
        assert page.locator("h1").inner_text() == HOSTILE
        assert HOSTILE in page.title()
    go(page, f"/album/{album_id}")
    page.get_by_role("button", name=f"Play {HOSTILE}").click()
    page.wait_for_function("document.querySelector('#np-title').textContent.includes('<script>')")
    assert page.inner_text("#np-title") == HOSTILE and HOSTILE in page.title()
    page.goto(f"{live.base_url}/queue")
    page.wait_for_selector("#queue-list")
    assert HOSTILE in page.evaluate(
        "[...document.querySelectorAll('#queue-list .track-title')].map(e => e.textContent)"
    )
    assert page.evaluate("window.__pwned") is None
    page.close()
