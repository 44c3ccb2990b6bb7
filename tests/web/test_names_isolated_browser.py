"""Names keep their right-to-left marks (an earlier decision), so one ending in U+202E (RIGHT-TO-LEFT OVERRIDE) used
to reverse whatever followed it on the same line: "Left<RLO> · 2024" showed the year as 4202, "Signed in as Zed<RLO>
(bidi)" showed ")idib(". In real Chromium, the words after such a name are laid out left to right again, in the
player and on the server-rendered share page; a name that also holds a stray U+2069 (which would close its
element's isolation early) is held too."""

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select, update

from encore import library
from encore.accounts import create_user
from encore.catalog import Album, Track
from encore.db import transaction
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_player_premium_browser import PW, _login

__all__ = ["browser"]
pytestmark = pytest.mark.browser
RLO = "\u202e"
ARTIST = f"Left{RLO}"  # on the first album
SLIPPERY = f"Two\u2069{RLO}"  # on the second: the stray U+2069 first, then the override
PLAYLIST = f"abc{RLO}"
DISPLAY = f"Zed{RLO}"

# Where `needle` is drawn inside the first element matching `selector` that holds it: the left edge of its first
# and of its last character. Left to right, the first is left of the last; reversed by an override, right of it.
EDGES = """([selector, needle]) => {
  for (const root of document.querySelectorAll(selector)) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      const at = node.data.indexOf(needle);
      if (at < 0) continue;
      const edge = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
        return r.getBoundingClientRect().left; };
      return [edge(at), edge(at + needle.length - 1)];
    }
  }
  return null;
}"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("bidi")
    container = seeded_container(work)
    with transaction(container.sessions) as s:
        user = create_user(s, username="bidi", password=PW)
        user.display_name = DISPLAY  # named before display names refused overrides (probe24b F6): still held
        first, second = s.scalars(select(Album).order_by(Album.id)).all()[:2]
        for album, name in ((first, ARTIST), (second, SLIPPERY)):
            album.artists[0].artist.name = name
            album.release_date = date(2024, 5, 1)
        made = library.create_playlist(s, owner_id=user.id, name="abc", now=datetime.now(UTC))
        # named before playlists refused overrides (review24n N2): such a row is still held, and still shown
        s.execute(update(library.Playlist).where(library.Playlist.public_id == made.id).values(name=PLAYLIST))
    with serve(container) as server:
        yield server
    container.close()


def _ids(live: LiveServer) -> tuple[str, str, str]:
    with live.container.sessions() as s:
        first, second = s.scalars(select(Album).order_by(Album.id)).all()[:2]
        track = s.scalars(select(Track).where(Track.album_id == first.id).order_by(Track.id)).first()
        assert track is not None
        return first.public_id, second.public_id, track.title


def _left_to_right(page: Page, selector: str, needle: str) -> None:
    page.wait_for_selector(selector)
    edges = page.evaluate(EDGES, [selector, needle])
    assert edges is not None, (selector, needle)
    first, last = edges
    assert first < last, f"{needle!r} in {selector} is drawn right to left: {edges}"


def test_a_name_ending_in_an_override_leaves_the_words_after_it_alone(live: LiveServer, browser: Browser) -> None:
    first, second, track = _ids(live)
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, "bidi")
    page.wait_for_selector("text=New releases")
    for album in (first, second):  # "artist · 2024" under each album card
        _left_to_right(page, f'a.card[href="/album/{album}"] .card-sub', "2024")
    assert page.evaluate("getComputedStyle(document.querySelector('.card-sub bdi')).unicodeBidi") == "isolate"

    page.goto(f"{live.base_url}/settings")  # "Others see you as Zed<RLO>. Your username stays private: ..."
    _left_to_right(page, "#display-name-seen", "Your username stays private")

    # A playlist named "abc<RLO>" in the track menu's question and answer: the words after it read as written.
    page.goto(f"{live.base_url}/album/{first}")
    page.wait_for_selector(".track-title")
    assert page.title().startswith("\u2068") and page.title().endswith(f"\u2068{ARTIST}\u2069 · Encore")
    for attempt in range(2):
        page.get_by_role("button", name=f"More actions for {track}").click()
        page.locator(".menu [role=menuitem]", has_text="abc").click()
        if attempt == 0:
            page.wait_for_selector("#toast:has-text('Added to')")
    _left_to_right(page, "dialog.ask p", "Add anyway?")
    page.get_by_role("button", name="Don't add").click()
    page.wait_for_selector("#toast:has-text('Not added')")
    _left_to_right(page, "#toast", " is already in ")

    share = _page(browser, viewport={"width": 1280, "height": 800})  # the server-rendered share page
    share.goto(f"{live.base_url}/share/album/{first}")
    _left_to_right(share, ".share-sub", "2024")
    assert share.title().startswith("\u2068") and share.title().endswith("\u2069 · Encore")
