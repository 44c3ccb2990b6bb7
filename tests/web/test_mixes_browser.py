"""Made for you, crossfade and the sleep timer in real Chromium, on desktop and phone: a mix from home plays (its
plays reported with context "mix") and saves as a playlist (twice: one playlist); a crossfade plays two tracks at
once, then hands over; the sleep timer pauses at the end of the track, and after its minutes (Playwright's clock,
no page hook); Settings shown again and again adds no listener to the timer."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from encore import discovery, library
from encore.accounts import create_user
from encore.catalog import Track
from encore.db import transaction
from encore.history import Play
from encore.library._policy import NEW_PLAYLISTS_PER_HOUR
from tests.support.browser import FAST_AUDIO, sign_in
from tests.support.live import LiveServer, first_album_id, seed_small_catalogue, serve
from tests.support.migrate import migrated_sqlite
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    from encore.bootstrap import build
    from encore.config import Settings

    work = tmp_path_factory.mktemp("mixes")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    seed_small_catalogue(container, work, tracks=6, albums=2, seconds=(4.0, 5.0))  # short: tracks end soon
    with transaction(container.sessions) as s:
        me = create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
        now = container.clock.now()
        for n, track in enumerate(s.scalars(select(Track.id).order_by(Track.id).limit(2))):
            at = now - timedelta(hours=n + 1)
            s.add(Play(user_id=me.id, client_play_id=f"seed-{n}", track_id=track, started_at=at, updated_at=at,
                       ms_played=4000, state="ended", is_listen=True))  # fmt: skip
        s.flush()
        discovery.train(s, now=now)
    with serve(container) as server:
        yield server
    container.close()


def _playing(page: Page) -> None:
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)


@pytest.mark.parametrize(("viewport", "card"), [(DESKTOP, "Daily Mix 1"), (PHONE, "Discover Weekly")])
def test_made_for_you_opens_plays_and_saves_a_mix(
    live: LiveServer, browser: Browser, viewport: dict[str, int], card: str
) -> None:
    page = _page(browser, viewport=viewport)
    _login(page, live)
    page.wait_for_selector("#made-for-you")
    titles = page.locator("#made-for-you .card-title").all_inner_texts()
    assert titles[0] == "Daily Mix 1" and "Discover Weekly" in titles
    page.locator("#made-for-you a", has_text=card).click()
    page.wait_for_selector("#mix-view .tracks")
    first = page.locator("#mix-view .track-title").first.inner_text()
    mix_id = page.url.rsplit("/", 1)[-1]
    started = lambda r: r.url.endswith("/api/plays") and r.request.method == "POST"  # noqa: E731
    with page.expect_response(started) as reported:
        page.get_by_role("button", name=f"Play {card}").click()
    assert reported.value.ok
    _playing(page)
    assert page.inner_text("#np-title") == first
    # The play says it came from this mix (not "home"): history and the export keep where music came from.
    body = reported.value.request.post_data_json
    assert (body["context_type"], body["context_id"]) == ("mix", mix_id)
    with live.container.sessions() as s:
        stored = s.scalar(select(Play).where(Play.client_play_id == body["play_id"]))
        assert stored is not None and (stored.context_type, stored.context_id) == ("mix", mix_id)
    page.click("#mix-save")
    page.wait_for_selector("#mix-view .mix-saved a")
    assert page.inner_text("#mix-view .mix-saved").startswith("Saved as")
    page.click("#mix-save")
    page.wait_for_function("document.querySelector('#mix-view .mix-saved').textContent.startsWith('Already saved')")
    page.click("#mix-view .mix-saved a")
    page.wait_for_selector("#main .tracks")
    assert page.locator("#main .track-title").first.inner_text() == first
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    page.context.close()


def test_crossfade_is_remembered_by_the_device_and_overlaps_two_tracks(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport=DESKTOP)
    page.add_init_script(FAST_AUDIO)  # the track to its last 3 s, and the fade to its end, at 2x
    _login(page, live, "/settings")  # straight there: nothing is checked on home
    page.wait_for_selector("#set-crossfade")
    page.eval_on_selector("#set-crossfade", "el => { el.value = '3'; el.dispatchEvent(new Event('input')); }")
    assert page.inner_text("#crossfade-value") == "3 s"
    page.reload()
    page.wait_for_selector("#set-crossfade")
    assert page.input_value("#set-crossfade") == "3"  # remembered in this browser's localStorage
    page.goto(f"{live.base_url}/album/{first_album_id(live.container)}")
    page.wait_for_selector("#main .track-title")  # the album renders after its data arrives
    names = page.locator("#main .track-title").all_inner_texts()
    page.locator("#main .track-play").first.click()
    _playing(page)
    # Both elements play at once while the first fades out, then the second track is the one playing.
    page.wait_for_function(
        "document.querySelector('#player').dataset.crossfading === 'true'"
        " && !document.querySelector('#audio').paused && !document.querySelector('#audio-next').paused",
        timeout=20000,
    )
    assert page.inner_text("#np-title") == names[1]
    page.wait_for_function("!document.querySelector('#player').dataset.crossfading", timeout=20000)
    assert page.evaluate("document.querySelector('#audio-next').paused && !document.querySelector('#audio').paused")
    page.context.close()


def test_sleep_timer_end_of_track_pauses_instead_of_going_on(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport=DESKTOP)
    page.add_init_script(FAST_AUDIO)  # the track to its end at 2x
    _login(page, live, f"/album/{first_album_id(live.container)}")  # straight there: nothing is checked on home
    page.wait_for_selector("#main .track-title")  # the album renders after its data arrives
    names = page.locator("#main .track-title").all_inner_texts()
    assert page.locator("label[for=sleep-timer]").inner_text() == "Sleep"  # the bar's "Off" says what it is
    assert page.is_visible("label[for=sleep-timer]")
    page.select_option("#sleep-timer", "track")
    page.locator("#main .track-play").first.click()
    _playing(page)
    page.wait_for_function(
        "document.querySelector('#sleep-timer').value === 'off' && document.querySelector('#audio').paused",
        timeout=20000,
    )
    assert page.inner_text("#np-title") == names[0]  # it stopped: the next track did not start
    page.context.close()


def test_sleep_timer_minutes_pause_when_the_clock_reaches_them_on_a_phone(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport=PHONE)
    page.clock.install()  # Playwright's fake clock: the page's own setTimeout runs when the test moves time on
    _login(page, live, f"/album/{first_album_id(live.container)}")  # straight there: nothing is checked on home
    page.locator("#main .track-play").first.click()
    _playing(page)
    page.evaluate("document.querySelector('a[href=\"/settings\"]').click()")  # in the app: the tab keeps playing
    page.select_option("#set-sleep", "5")
    page.clock.run_for("04:00")
    assert page.evaluate("document.querySelector('#set-sleep').value") == "5"  # not yet
    page.clock.run_for("01:01")
    page.wait_for_function("document.querySelector('#audio').paused")
    assert page.evaluate("document.querySelector('#set-sleep').value") == "off"  # it fired, and turned off
    page.context.close()


# Counts the "change" listeners on non-DOM event targets (the sleep timer is the page's only one).
_COUNT_LISTENERS = """
window.__timerListeners = 0;
const add = EventTarget.prototype.addEventListener, remove = EventTarget.prototype.removeEventListener;
EventTarget.prototype.addEventListener = function (type, ...rest) {
  if (type === "change" && !(this instanceof Node)) window.__timerListeners += 1;
  return add.call(this, type, ...rest);
};
EventTarget.prototype.removeEventListener = function (type, ...rest) {
  if (type === "change" && !(this instanceof Node)) window.__timerListeners -= 1;
  return remove.call(this, type, ...rest);
};
"""


def test_settings_shown_again_adds_no_sleep_timer_listener(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport=DESKTOP)
    page.add_init_script(_COUNT_LISTENERS)
    _login(page, live)
    page.wait_for_selector("text=New releases")
    settings = "document.querySelector('a[href=\"/settings\"]').click()"
    page.evaluate(settings)
    page.wait_for_selector("#set-sleep")
    first = page.evaluate("window.__timerListeners")
    for _ in range(3):
        page.go_back()
        page.wait_for_selector("text=New releases")
        page.evaluate(settings)
        page.wait_for_selector("#set-sleep")
    assert page.evaluate("window.__timerListeners") == first
    page.select_option("#set-sleep", "15")  # the controls shown still follow the timer
    assert page.evaluate("document.querySelector('#sleep-timer').value") == "15"
    page.select_option("#sleep-timer", "off")
    assert page.evaluate("document.querySelector('#set-sleep').value") == "off"
    page.context.close()


def test_a_mix_the_playlist_limit_refuses_says_why(live: LiveServer, browser: Browser) -> None:
    """review32e L1: saving a mix over the hourly limit of new playlists said only "Could not save this mix"; the
    server's sentence (the limit, and when the next can be made) is what the listener needs to see."""
    with transaction(live.container.sessions) as s:
        me = create_user(s, username="capped", password="capped-pass-12", display_name="Capped")
        now = live.container.clock.now()
        for n, track in enumerate(s.scalars(select(Track.id).order_by(Track.id).limit(2))):
            at = now - timedelta(hours=n + 1)
            s.add(Play(user_id=me.id, client_play_id=f"capped-{n}", track_id=track, started_at=at, updated_at=at,
                       ms_played=4000, state="ended", is_listen=True))  # fmt: skip
        for n in range(NEW_PLAYLISTS_PER_HOUR):
            library.create_playlist(s, owner_id=me.id, name=f"List {n}", now=now)
        s.flush()
        discovery.train(s, now=now)
    page = _page(browser, viewport=DESKTOP)
    sign_in(page, live.base_url, "capped", "capped-pass-12", "/")
    page.wait_for_selector("#made-for-you")
    page.locator("#made-for-you a", has_text="Daily Mix 1").click()
    page.wait_for_selector("#mix-view .tracks")
    page.click("#mix-save")
    page.wait_for_function("document.querySelector('#mix-view .mix-saved').textContent.includes('playlists')")
    said = page.inner_text("#mix-view .mix-saved")
    assert said.startswith("Saving this mix failed: ") and f"You made {NEW_PLAYLISTS_PER_HOUR} playlists" in said, said
    assert page.locator("#mix-save").is_enabled()  # the listener may try again later
    page.context.close()
