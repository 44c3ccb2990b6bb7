"""A listener's paths through the player in real Chromium (issue #18): no navigation stops the music, saved
albums and artists in the Library, the track menu's feedback, and the other listener dead ends."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from encore import library
from encore.accounts import create_user
from encore.catalog import Album
from encore.db import transaction
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_player_premium_browser import PW, _login

__all__ = ["browser"]
pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
AUDIO = "[...document.querySelectorAll('#audio, #audio-next')]"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("listener-paths")
    container = seeded_container(work)
    with transaction(container.sessions) as s:
        for name in ("walker", "phone", "saver", "search", "offline", "offline-history", "refused"):
            create_user(s, username=name, password=PW, display_name=name.title())
        for name in ("menu-desktop", "menu-phone"):
            user = create_user(s, username=name, password=PW, display_name=name.title())
            library.create_playlist(s, owner_id=user.id, name="Mix", now=datetime.now(UTC))
    with serve(container) as server:
        yield server
    container.close()


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
    page.wait_for_selector(".hero .like-btn:enabled")  # the server has said whether it is liked
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


def _menu(page: Page, title: str, action: str) -> None:
    page.get_by_role("button", name=f"More actions for {title}").click()
    page.get_by_role("menuitem", name=action, exact=True).click()


def _mix_titles(live: LiveServer, user: str) -> list[str]:
    with live.container.sessions() as s:
        from encore.accounts import User

        owner = s.scalars(select(User).where(User.username == user)).one()
        mix = library.list_playlists(s, owner_id=owner.id, viewer_id=owner.id, limit=1, offset=0).items[0]
        page = library.playlist_items(s, playlist_id=mix.id, viewer_id=owner.id, limit=50, offset=0)
        return [i.track.title for i in page.items]


def test_a_refused_like_says_so_and_throws_nothing(live: LiveServer, browser: Browser) -> None:
    """review27b F7: the album's Like and the player's heart awaited the server with no catch: a refusal (a tab
    signed out elsewhere: 401) or no network changed nothing on screen and threw an uncaught error."""
    page = _page(browser, **DESKTOP)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    album_id, album_title = _albums(live)[0]
    _login(page, live, "refused", f"/album/{album_id}")
    page.wait_for_selector(".hero .like-btn:enabled")
    refusal = {"error": {"code": "not_authenticated", "message": "log in first"}}
    page.route("**/api/me/likes/albums/*", lambda route: route.fulfill(status=401, json=refusal))
    page.get_by_role("button", name=f"Like {album_title}").click()
    expect(page.locator("#toast")).to_contain_text("wasn't liked: log in first")
    assert page.get_attribute(".hero .like-btn", "aria-pressed") == "false"
    page.wait_for_selector(".hero .like-btn:enabled")
    page.locator("#main .track-play").first.click()  # the player's heart, with no network under it
    page.wait_for_selector("#btn-like:visible")
    page.route("**/api/me/likes/tracks/*", lambda route: route.abort())
    page.click("#btn-like")
    expect(page.locator("#toast")).to_contain_text("wasn't liked: Encore could not be reached")
    assert page.get_attribute("#btn-like", "aria-pressed") == "false"
    assert errors == []

    # The second half of F7: signed out for real from elsewhere (another tab's "Sign out everywhere": the same
    # cookie jar, not this page's script), the tab's next call is refused, and the tab goes to the log-in, once,
    # then back where it was.
    page.unroute("**/api/me/likes/albums/*")
    page.unroute("**/api/me/likes/tracks/*")
    page.wait_for_function(f"{AUDIO}.some((a) => !a.paused)")
    signed_out = page.context.request.post(
        f"{live.base_url}/api/me/sign-out-everywhere", headers={"X-Encore-CSRF": "1"}
    )
    assert signed_out.status == 204, signed_out.text()
    page.evaluate("window.__sameDocument = true")  # the trip is the app's own navigation, not a reload
    # The Like is refused, unless the playing music's own report was refused first and the tab has already gone:
    # either call is one of the page's, and either takes it to the log-in.
    page.evaluate("document.querySelector('.hero .like-btn')?.click()")
    page.wait_for_url(f"**/login?next=%2Falbum%2F{album_id}")
    page.wait_for_selector("form.login")
    assert page.evaluate(f"{AUDIO}.every((a) => a.paused)")  # no music for a signed-out tab
    assert page.inner_text("#account") == ""  # the header no longer names the listener
    page.wait_for_timeout(1000)  # the log-in page's own refused calls (its prefetch) take it nowhere else
    assert page.url.endswith(f"/login?next=%2Falbum%2F{album_id}") and page.evaluate("window.__sameDocument")
    page.fill("#login-user", "refused")
    page.fill("#login-pass", "not-the-password")  # the log-in's own refusal is said on the form, not followed
    page.click("form.login button[type=submit]")
    page.wait_for_function("document.querySelector('form.login .form-error').textContent !== ''")
    assert page.url.endswith(f"/login?next=%2Falbum%2F{album_id}")
    page.fill("#login-pass", PW)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"**/album/{album_id}")
    page.wait_for_selector(".hero .like-btn:enabled")
    page.get_by_role("button", name=f"Like {album_title}").click()  # signed in again: the like goes through
    page.wait_for_selector(".hero .like-btn[aria-pressed='true']")
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_track_menu_says_what_it_did_unlikes_and_asks_before_a_duplicate(
    live: LiveServer, browser: Browser, device: str
) -> None:
    user = f"menu-{device}"
    page = browser.new_context(
        bypass_csp=True,
        permissions=["clipboard-read", "clipboard-write"],
        **(DESKTOP if device == "desktop" else PHONE),
    ).new_page()
    album_id = _albums(live)[0][0]
    _login(page, live, user, f"/album/{album_id}")
    page.wait_for_selector(".track-title")
    first, second = page.locator(".track-title").nth(0).inner_text(), page.locator(".track-title").nth(1).inner_text()
    assert page.locator("#toast[aria-live='polite']").count() == 1  # the live region is there before it speaks

    _menu(page, first, "Add to queue")
    page.wait_for_selector("#toast:text-is('Added to queue')")
    _menu(page, first, "Like")
    page.wait_for_selector("#toast:text-is('Added to Liked Songs')")
    _menu(page, first, "Unlike")  # the menu knows it is liked now
    page.wait_for_selector("#toast:text-is('Removed from Liked Songs')")
    page.get_by_role("button", name=f"More actions for {first}").click()
    page.get_by_role("menuitem", name="Like", exact=True).wait_for()  # and back to Like once undone
    assert page.get_by_role("menuitem", name="Unlike", exact=True).count() == 0
    page.keyboard.press("Escape")
    _menu(page, first, "Share")
    page.wait_for_selector("#toast:text-is('Link copied')")
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"/share/track/{_track_id(live, first)}")

    _menu(page, first, "Mix")
    expect(page.locator("#toast")).to_have_text("Added to Mix", timeout=30_000)  # the name is its own <bdi>
    _menu(page, first, "Mix")
    page.wait_for_selector("dialog.ask:has-text('Already in playlist: “Mix”. Add anyway?')")
    for key in ("m", "ArrowUp", "ArrowUp"):  # the page's shortcuts stay out of a question asked
        page.keyboard.press(key)
    assert page.get_attribute("#btn-mute", "aria-pressed") == "false" and page.input_value("#volume") == "0.8"
    page.get_by_role("button", name="Don't add").click()
    page.wait_for_selector("#toast:text-matches('Not added')")
    assert _mix_titles(live, user) == [first]
    _menu(page, first, "Mix")
    page.get_by_role("button", name="Add anyway").click()
    expect(page.locator("#toast")).to_have_text("Added to Mix", timeout=30_000)  # the name is its own <bdi>
    assert _mix_titles(live, user) == [first, first]

    # The playing track is marked in lists, and stays marked when the list is drawn again.
    page.get_by_role("button", name=f"Play {second}").click()
    page.wait_for_selector("li.track[aria-current='true']")
    assert page.locator("li.track[aria-current='true'] .track-title").inner_text() == second
    page.locator("#nav a[href='/library']").click()
    page.wait_for_url("**/library")
    page.go_back()
    page.wait_for_selector("li.track[aria-current='true']")
    assert page.locator("li.track[aria-current='true']").count() == 1
    page.context.close()


def _track_id(live: LiveServer, title: str) -> str:
    from encore.catalog import Track

    with live.container.sessions() as s:
        return s.scalars(select(Track.public_id).where(Track.title == title)).first() or ""


def test_search_box_follows_the_route_after_back(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, **DESKTOP)
    album_id, title = _albums(live)[0]
    _login(page, live, "search")
    page.wait_for_selector("text=New releases")
    page.fill("#search-input", title[:4])
    page.wait_for_url("**/search?q=*")
    # The results, not Home's cards still shown while they load: a card swapped out between Playwright's
    # mouse-down and mouse-up takes no click (CI lost one that way).
    page.wait_for_selector("#main .top-result")
    page.locator(f'#main .card[href="/album/{album_id}"]').first.click()
    page.wait_for_url(f"**/album/{album_id}")
    assert page.input_value("#search-input") == ""  # the album page is not a search
    page.go_back()
    page.wait_for_url("**/search?q=*")
    page.wait_for_function(f"document.querySelector('#search-input').value === {title[:4]!r}")
    page.go_back()
    page.wait_for_function("location.pathname === '/'")
    page.wait_for_function("document.querySelector('#search-input').value === ''")
    page.close()


def test_sign_up_errors_are_sentences_next_to_their_fields(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, **DESKTOP)
    page.goto(live.base_url + "/")
    page.wait_for_selector("form.login")
    page.check("#login-signup")
    page.fill("#login-user", "x")
    page.fill("#login-pass", "short")
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#login-user-error")
    assert page.inner_text("#login-user-error") == "Username must be at least 2 characters."
    assert page.inner_text("#login-pass-error") == "Password must be at least 8 characters."
    assert page.get_attribute("#login-pass", "aria-invalid") == "true"
    assert page.get_attribute("#login-pass", "aria-describedby") == "login-pass-error"
    assert "body." not in page.inner_text("form.login")

    page.fill("#login-user", "two words")
    page.fill("#login-pass", "long enough")
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#login-user-error:has-text('letters a-z (no accents or spaces), digits')")
    assert page.locator("#login-pass-error").count() == 0  # the fixed field lost its note

    page.fill("#login-user", "walker")  # made by the fixture
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#login-user-error:text-is('That username is taken. Try another one.')")

    page.fill("#login-user", "newcomer")
    page.click("form.login button[type=submit]")
    page.wait_for_selector("text=New releases")
    page.close()


def test_offline_reload_shows_the_cached_library_and_says_so(live: LiveServer, browser: Browser) -> None:
    context = browser.new_context(bypass_csp=True, **DESKTOP)  # type: ignore[arg-type]
    page = context.new_page()
    _login(page, live, "offline", "/library")
    page.wait_for_selector("text=Liked Songs")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20000)
    page.reload()  # now through the service worker, which keeps the library's answers
    page.wait_for_selector("#saved-albums", state="attached")
    assert page.is_hidden("#offline-note")

    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline-note:not([hidden])")
    assert page.inner_text("#offline-note").startswith("You're offline.")
    page.wait_for_selector("h1:text('Your library')")
    assert page.locator("form.login").count() == 0  # still logged in: not the log-in form
    assert page.is_visible("text=Liked Songs")
    # Home is not kept offline: it says so and what still works (probe22 F10: "Something went wrong: Failed
    # to fetch"), and loads by itself once the network is back
    page.goto(f"{live.base_url}/")
    page.wait_for_selector('h1:text("You\'re offline")')
    assert "Something went wrong" not in page.inner_text("main")
    assert page.is_visible("a:text('Open your library')") and page.is_visible("#offline-retry")
    context.set_offline(False)
    page.wait_for_selector("#offline-note", state="hidden")
    page.wait_for_selector("text=New releases")

    page.get_by_role("button", name="Log out").click()  # leaving clears the cached library
    page.wait_for_selector("form.login")
    assert page.evaluate("caches.has('encore-api-v1')") is False
    context.close()


def test_offline_history_says_so_as_the_other_pages_do(live: LiveServer, browser: Browser) -> None:
    """History offline showed the browser's "Failed to fetch" under its empty form, and its import and export said
    "Import failed: Failed to fetch" (review26b F3): it now shows the app's offline page, and once open, an action
    that needs the network says the listener is offline."""
    context = browser.new_context(bypass_csp=True, **PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    _login(page, live, "offline-history", "/history")
    page.wait_for_selector("h1:text('History')")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20000)
    page.reload()  # through the service worker, which keeps who is signed in for the offline pages
    page.wait_for_selector("h1:text('History')")

    context.set_offline(True)
    page.get_by_role("button", name="Export my data").click()
    expect(page.locator(".history .form-error")).to_contain_text("You're offline")
    assert "Failed to fetch" not in page.inner_text("main")

    page.goto(f"{live.base_url}/history")
    page.wait_for_selector('h1:text("You\'re offline")')
    assert "Failed to fetch" not in page.inner_text("main")
    assert page.is_visible("a:text('Open your library')") and page.is_visible("#offline-retry")
    context.set_offline(False)
    page.wait_for_selector("h1:text('History')")
    context.close()


def test_album_share_says_link_copied_and_stays_a_share_button(live: LiveServer, browser: Browser) -> None:
    """review30b L3: the album/artist/playlist Share button said "Link copied" only as its own new text, which its
    aria-label ("Copy share link") hid from a screen reader, and it kept that text. The toast says it, as the track
    menu's Share does, and the button stays Share, which says it again at the next press."""
    with transaction(live.container.sessions) as s:
        create_user(s, username="sharer", password=PW, display_name="Sharer")
    page = browser.new_context(bypass_csp=True, permissions=["clipboard-read", "clipboard-write"], **DESKTOP).new_page()
    album_id = _albums(live)[0][0]
    _login(page, live, "sharer", f"/album/{album_id}")
    share = page.get_by_role("button", name="Copy share link")
    share.click()
    page.wait_for_selector("#toast:text-is('Link copied')")
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"/share/album/{album_id}")
    assert share.inner_text() == "Share" and share.get_attribute("aria-label") == "Copy share link"
    page.evaluate("() => { const t = document.querySelector('#toast'); t.hidden = true; t.textContent = ''; }")
    share.click()  # pressed again: said again
    page.wait_for_selector("#toast:text-is('Link copied')")
    page.context.close()
