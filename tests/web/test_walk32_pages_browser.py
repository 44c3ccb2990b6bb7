"""Session 32's walk (review32b), the pages and the phone's player, in real Chromium over a real server: the full
Now playing fits 320 px (L1), another page closes the lyrics panel (L2), an advertiser's name is read whole in the
390 px mini bar (L3), History says when nothing matches its filters (L4) and words a 503 as an answer, and a keyboard
log-in leaves the focus on the page, whose every view has an <h1>."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import select

from encore.catalog import Track
from encore.db import transaction
from tests.support.ads import campaign, ingest_spot
from tests.support.browser import go, sign_in
from tests.support.live import LiveServer, first_album_id, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_player_ads_browser import INTERVAL_S, PASSWORD, _new_listener, _run_until_ad

__all__ = ["browser"]
pytestmark = pytest.mark.browser
ADVERTISER = "Acme Coffee (demo ad)"  # the demo's own: 197 px, cut to "Acme Co…" in 90 px at 390 px
PHONE = {"is_mobile": True, "has_touch": True}
FULL_VIEW_BUTTONS = ["btn-shuffle", "btn-prev", "btn-play", "btn-next", "btn-repeat", "btn-lyrics"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("walk32pages")
    container = seeded_container(work, {"ad_interval_s": INTERVAL_S})
    ingest_spot(container, work / "ads")
    with transaction(container.sessions) as s:
        ad = s.scalars(select(Track).order_by(Track.duration_ms)).first()
        assert ad is not None
        campaign(
            s, track_id=ad.public_id, now=datetime.now(UTC), budget=100, freq_cap_per_day=50, advertiser=ADVERTISER
        )
    with serve(container) as server:
        yield server
    container.close()


def _box(page: Page, selector: str) -> dict[str, float]:
    box: dict[str, float] = page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }",
        selector,
    )
    return box


def test_the_full_view_fits_320_px_and_another_page_closes_the_lyrics(live: LiveServer, browser: Browser) -> None:
    """L1: at 320 px the full Now playing view's six buttons were 334 px wide in 272, Shuffle at x = -7 and Lyrics
    ending at 327. L2: the lyrics panel opened there stayed over the page after a move to another page, and the
    320 px mini bar has no Lyrics button to close it with."""
    page = _page(browser, viewport={"width": 320, "height": 640}, **PHONE)
    listener = _new_listener(live)
    sign_in(page, live.base_url, listener, PASSWORD, "/library")
    page.wait_for_selector("#main h1")
    go(page, f"/album/{first_album_id(live.container)}")
    page.locator("#main .track-play").first.click()
    page.wait_for_function("document.querySelector('#np-title').textContent !== 'Nothing playing'")
    page.click("#np-expand")
    expect(page.locator("#player.expanded")).to_be_visible()
    for button in FULL_VIEW_BUTTONS:
        box = _box(page, f"#{button}")
        assert box["left"] >= 0 and box["right"] <= 320, (button, box)
        assert page.evaluate(f"document.getElementById('{button}').checkVisibility()"), button

    page.click("#btn-lyrics")
    expect(page.locator("#lyrics")).to_be_visible()
    page.click("#np-expand")  # the mini bar again: it has no Lyrics button at 320 px
    expect(page.locator("#player.expanded")).to_have_count(0)
    expect(page.locator("#lyrics")).to_be_visible()
    page.click("#nav a[data-nav=library]")
    page.wait_for_url("**/library")
    expect(page.locator("#lyrics")).to_be_hidden()
    assert page.get_attribute("#btn-lyrics", "aria-pressed") == "false"
    page.click("#nav a[data-nav=search]")  # and a page's own link works, nothing over it
    expect(page.locator("#main h1")).to_have_text("Search")
    page.context.close()


def test_the_advertisers_name_is_read_whole_in_the_390_px_mini_bar(live: LiveServer, browser: Browser) -> None:
    """L3: during an ad at 361-640 px the name had the room the one-line upgrade pill left: "Acme Co…" in 90 px of its
    197. The name and the pill now take two lines each; the name is whole and inside the bar."""
    page = _page(browser, viewport={"width": 390, "height": 844}, **PHONE)
    _run_until_ad(page, live)
    who = page.locator("#ad-break .ad-who")
    expect(who).to_have_text(ADVERTISER)
    clipped = "(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)"
    assert not page.evaluate(f"{clipped}(document.querySelector('#ad-break .ad-who'))"), _box(page, ".ad-who")
    name, bar, pill = _box(page, "#ad-break .ad-who"), _box(page, "#player"), _box(page, "#ad-break .ad-upgrade")
    assert bar["top"] <= name["top"] and name["bottom"] <= bar["bottom"] + 1, (name, bar)
    assert name["right"] <= pill["left"], (name, pill)  # beside the pill, not under it
    page.context.close()


def test_history_says_nothing_matches_and_a_503_is_an_answer(live: LiveServer, browser: Browser) -> None:
    """L4: a search of the history that found nothing said "No plays here yet."; the job box said "the server did
    not answer" of a poll the server answered 503."""
    page = _page(browser, viewport={"width": 1280, "height": 800})
    listener = _new_listener(live)
    sign_in(page, live.base_url, listener, PASSWORD, "/history")
    page.wait_for_selector("h1:text('History')")
    empty = page.locator(".history-rows li.empty")
    expect(empty).to_have_text("No plays here yet.")  # no history at all, no filter: that one is true
    page.fill("#history-q", "zzqx nothing")
    expect(empty).to_have_text("No plays match these filters.")
    expect(page.locator(".history-count")).to_have_text("0 plays")
    page.fill("#history-q", "")
    expect(empty).to_have_text("No plays here yet.")

    def unavailable(route: Route) -> None:
        route.fulfill(status=503, json={"error": {"code": "unavailable", "message": "the server is restarting"}})

    page.route("**/api/me/jobs/*", unavailable)  # no worker runs here: the export waits, its polls answered 503
    page.get_by_role("button", name="Export my data").click()
    job = page.locator(".history-job .job-text")
    expect(job).to_contain_text("Export: the server could not answer just now (503); asking again")
    page.unroute("**/api/me/jobs/*")
    page.context.close()


def test_a_keyboard_log_in_leaves_the_focus_on_the_page_and_each_view_has_a_heading(
    live: LiveServer, browser: Browser
) -> None:
    """After a log-in made from the keyboard the focus was on <body> (the form it held was gone), and Home and Search
    had no <h1> to start reading from."""
    listener = _new_listener(live)
    page = _page(browser, viewport={"width": 1280, "height": 800})
    page.goto(f"{live.base_url}/login?next=%2F")
    page.wait_for_selector("form.login")
    page.focus("#login-user")
    page.keyboard.type(listener)
    page.focus("#login-pass")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=New releases")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
    expect(page.locator("#main h1")).to_have_text("Home")
    page.keyboard.press("Tab")  # from the page: the next stop is in it, not the top of the document again
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")

    go(page, "/search")
    expect(page.locator("#main h1")).to_have_text("Search")
    go(page, "/search?q=zzqx")
    expect(page.locator("#main h1")).to_have_text("Search results for zzqx")  # the quotes are the <q>'s own
    page.context.close()
