"""Session 32's walk (review32b), in real Chromium over a real server: what is pressed offline says "You're offline"
as the rest of the player does, never the browser's "Failed to fetch" (M1), and a move or removal in a playlist or
the queue keeps the keyboard's focus in the list instead of dropping it to <body> (M2)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from encore import library
from encore.accounts import User, create_user
from encore.catalog import Album, Track
from encore.db import transaction
from encore.demo import Listener, seed_listening
from tests.support.browser import go, signed_in_page
from tests.support.live import seeded_container, serve
from tests.web.test_first_page_browser import browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "walk32-keys-pass"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
OFFLINE = "You're offline"
NOW = datetime(2025, 3, 1, tzinfo=UTC)
# The queue's titles up to the autoplay note (what autoplay adds after it is its own).
QUEUED = (
    "(() => { const out = []; for (const li of document.querySelectorAll('#queue-list > li')) {"
    " if (li.classList.contains('queue-note')) break; out.push(li.querySelector('.track-title').textContent); }"
    " return JSON.stringify(out); })()"
)
# The focused element, named as its aria-label says it, else as TAG:text.
FOCUSED = "(e => e.getAttribute('aria-label') || e.tagName + ':' + e.textContent)(document.activeElement)"


@dataclass
class Site:
    base_url: str
    album: str  # an album of the demo catalogue with four tracks or more
    titles: list[str]  # the playlist's four tracks, in order


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    container = seeded_container(tmp_path_factory.mktemp("walk32keys"))
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        create_user(s, username="offline", password=PW, display_name="Offline")
        create_user(s, username="keys", password=PW, display_name="Keys")
        album = s.scalars(select(Album.public_id).order_by(Album.id)).first()
        assert album is not None
        offline = s.scalars(select(User.id).where(User.username == "offline")).one()
        keys = s.scalars(select(User.id).where(User.username == "keys")).one()
        library.create_playlist(s, owner_id=offline, name="Kept list", now=now)
        tracks = s.execute(select(Track.public_id, Track.title).order_by(Track.id).limit(4)).all()
        for name in ("Four", "Queued"):  # one emptied by the playlist's test, one played for the queue's
            playlist = library.create_playlist(s, owner_id=keys, name=name, now=now)
            library.add_to_playlist(s, playlist_id=playlist.id, user_id=keys, track_ids=[t[0] for t in tracks], now=now)
        site = (album, [t[1] for t in tracks])
    seed_listening(container.sessions, listeners=[Listener(offline, 1, 0.6)], now=NOW, years=2)
    with serve(container) as server:
        yield Site(server.base_url, *site)
    container.close()


def _open(browser: Browser, live: Site, user: str, path: str) -> tuple[BrowserContext, Page, list[str]]:
    return signed_in_page(browser, live.base_url, user, PW, path, DESKTOP["viewport"])


def test_what_is_pressed_offline_says_so_not_failed_to_fetch(live: Site, browser: Browser) -> None:
    """M1: Play, Add to a playlist, New playlist, Wrapped's Make playlist / Share link / Revoke and Connect an app
    showed the browser's "Failed to fetch" offline."""
    context, page, errors = _open(browser, live, "offline", f"/album/{live.album}")
    toast = page.locator("#toast")
    page.wait_for_selector("#main .track-more")
    context.set_offline(True)
    page.locator("#main .big-play").first.click()
    expect(toast).to_contain_text("couldn't start. You're offline")
    context.set_offline(False)
    page.locator("#main .track-more").first.click()  # the menu lists the playlists as it opens: online
    kept = page.get_by_role("menuitem", name="Kept list")
    kept.wait_for()
    context.set_offline(True)
    kept.click()
    expect(toast).to_contain_text(f"{OFFLINE}: adding to a playlist needs the network")
    page.locator("#main .track-more").nth(1).click()
    page.get_by_role("menuitem", name="New playlist").click()
    page.fill("#menu-new-playlist-name", "Made offline")
    page.keyboard.press("Enter")
    expect(page.locator("dialog.new-playlist .form-error")).to_contain_text(OFFLINE)
    assert page.input_value("#menu-new-playlist-name") == "Made offline"
    page.keyboard.press("Escape")
    context.set_offline(False)

    go(page, "/wrapped/2024")
    note = page.locator(".wrapped-share-link")
    page.wait_for_selector(".wrapped-stage h2")
    context.set_offline(True)
    page.get_by_role("button", name="Make playlist").click()
    expect(note).to_contain_text(f"{OFFLINE}: making the playlist needs the network")
    page.get_by_role("button", name="Share link").click()
    expect(note).to_contain_text(OFFLINE)
    context.set_offline(False)
    page.get_by_role("button", name="Share link").click()
    expect(page.locator(".wrapped-share-link input")).to_be_visible()
    context.set_offline(True)
    page.get_by_role("button", name="Revoke link").click()
    expect(note).to_contain_text(f"{OFFLINE}: revoking the link needs the network")
    context.set_offline(False)

    go(page, "/wrapped")
    page.wait_for_selector(".wrapped-shares button")
    context.set_offline(True)
    page.locator(".wrapped-shares button").first.click()
    expect(page.locator(".wrapped-shares-status")).to_contain_text(f"{OFFLINE}: revoking the link needs the network")
    assert page.locator(".wrapped-shares li").count() == 1  # still there: nothing was revoked
    context.set_offline(False)

    go(page, "/settings")
    page.fill("#device-name", "Phone")
    context.set_offline(True)
    page.get_by_role("button", name="Create app password").click()
    expect(page.locator("section:has(#device-name) .form-error")).to_contain_text(OFFLINE)
    assert page.input_value("#device-name") == "Phone"
    context.set_offline(False)
    assert "Failed to fetch" not in page.inner_text("body")
    assert not errors, errors
    context.close()


def test_the_developer_page_offline_says_so(live: Site, browser: Browser) -> None:
    """M1 on the developer page (its own script): registering an app offline said "Failed to fetch"."""
    context, page, errors = _open(browser, live, "offline", "/developer")
    page.wait_for_selector("#new-app")
    page.fill("#new-app [name=name]", "Offline app")
    page.fill("#new-app [name=redirect_uris]", "http://127.0.0.1:8888/callback")
    context.set_offline(True)
    page.click("#new-app button[type=submit]")
    expect(page.locator("#error")).to_have_text(
        f"{OFFLINE}: this needs the network. Try again when you're back online."
    )
    assert page.input_value("#new-app [name=name]") == "Offline app"
    context.set_offline(False)
    assert not errors, errors
    context.close()


def _press(page: Page, name: str) -> None:
    """A row button pressed from the keyboard: focused, then Enter."""
    page.get_by_role("button", name=name).focus()
    page.keyboard.press("Enter")


def test_moves_and_removals_keep_the_focus_in_the_playlist(live: Site, browser: Browser) -> None:
    """M2: every move or removal in a playlist drew the page again and left the focus on <body>: the keyboard user
    started again at the top of the page. The focus now stays on the moved row's same button; after a removal it
    goes to the next row's (the previous one's at the end), and to the heading when the playlist is empty."""
    a, b, c, d = live.titles
    context, page, errors = _open(browser, live, "keys", "/library")
    page.get_by_role("link", name="Four").click()
    rows = page.locator("#main .tracks .track-title")
    expect(rows).to_have_text([a, b, c, d])

    _press(page, f"Move {a} down")
    expect(rows).to_have_text([b, a, c, d])
    page.wait_for_function(f"{FOCUSED} === {f'Move {a} down'!r}")
    page.keyboard.press("Enter")  # the same key again moves it on
    expect(rows).to_have_text([b, c, a, d])
    page.wait_for_function(f"{FOCUSED} === {f'Move {a} down'!r}")
    _press(page, f"Move {c} up")  # to the top, where Up is disabled: the row's next button, Down
    expect(rows).to_have_text([c, b, a, d])
    page.wait_for_function(f"{FOCUSED} === {f'Move {c} down'!r}")

    _press(page, f"Remove {b} from playlist")
    expect(rows).to_have_text([c, a, d])
    page.wait_for_function(f"{FOCUSED} === {f'Remove {a} from playlist'!r}")
    _press(page, f"Remove {d} from playlist")  # the last row: the previous one's
    expect(rows).to_have_text([c, a])
    page.wait_for_function(f"{FOCUSED} === {f'Remove {a} from playlist'!r}")
    page.keyboard.press("Enter")
    expect(rows).to_have_text([c])
    page.wait_for_function(f"{FOCUSED} === {f'Remove {c} from playlist'!r}")
    page.keyboard.press("Enter")
    expect(page.locator("#main p.empty")).to_contain_text("No tracks yet")
    page.wait_for_function("document.activeElement.tagName === 'H1' && document.activeElement.textContent === 'Four'")
    assert not errors, errors
    context.close()


def test_moves_and_removals_keep_the_focus_in_the_queue(live: Site, browser: Browser) -> None:
    """M2 in the queue: its list is drawn again at every change of the player, and the focus fell to <body>."""
    context, page, errors = _open(browser, live, "keys", "/library")
    page.get_by_role("link", name="Queued").click()
    page.wait_for_selector("#main .tracks .track-title")
    titles = page.locator("#main .tracks .track-title").all_inner_texts()
    page.locator("#main .big-play").first.click()
    page.wait_for_function("document.querySelector('#np-title').textContent !== 'Nothing playing'")
    page.click("#nav a[data-nav=queue]")
    queue = page.locator("#queue-list .track-title")
    expect(queue).to_have_text(titles)
    a, b, c, d = titles

    _press(page, f"Move {b} down")
    expect(queue).to_have_text([a, c, b, d])
    page.wait_for_function(f"{FOCUSED} === {f'Move {b} down'!r}")
    _press(page, f"Move {d} up")
    expect(queue).to_have_text([a, c, d, b])
    page.wait_for_function(f"{FOCUSED} === {f'Move {d} up'!r}")
    _press(page, f"Remove {c} from queue")
    expect(queue).to_have_text([a, d, b])
    page.wait_for_function(f"{FOCUSED} === {f'Remove {d} from queue'!r}")
    _press(page, f"Remove {b} from queue")  # the last row: the previous one's
    expect(queue).to_have_text([a, d])
    page.wait_for_function(f"{FOCUSED} === {f'Remove {d} from queue'!r}")
    _press(page, "Clear queue")  # the playing track stays (then autoplay may queue similar music after it)
    page.wait_for_function(f"{QUEUED} === {json.dumps(json.dumps([a], ensure_ascii=False))}")
    page.wait_for_function(f"{FOCUSED} === 'BUTTON:Clear queue'")
    assert not errors, errors
    context.close()
