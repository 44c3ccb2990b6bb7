"""A request that fails (offline, a server error, a 409) in real Chromium is said as one and changes nothing the
server did not change (review31b): log-out keeps the account signed in until the server ends the session (M1), the
history page finds the listener's jobs again after a reload and follows one through failed polls (M2), a playlist
edit refused as stale redraws the playlist from the server (M5), and forms and the admin search say "You're
offline" instead of the browser's "Failed to fetch", keeping what was typed (L1, L2).

A server error is a 503 answered by Playwright's router in place of the real server (the one way to have Encore's
server fail on cue); everything else is the real server, its job workers and the browser's own offline mode."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from sqlalchemy import select

from encore import library
from encore.accounts import Role, create_user
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.jobs import InProcessWorkers
from tests.support.browser import signed_in_page
from tests.support.live import seeded_container, serve
from tests.web.test_first_page_browser import browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "listener-pass-31"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
OFFLINE = "You're offline"


@dataclass
class Site:
    base_url: str
    container: Container
    playlist: str  # the editor's playlist of three tracks
    titles: list[str]  # its tracks' titles, in order


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo catalogue with no job workers running: the history test starts them when it wants its job run."""
    container = seeded_container(tmp_path_factory.mktemp("failed31"))
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        for name in ("leaver", "jobs", "typist"):
            create_user(s, username=name, password=PW, display_name=name.title())
        create_user(s, username="boss", password=PW, role=Role.ADMIN)
        editor = create_user(s, username="editor", password=PW, display_name="Editor")
        tracks = s.execute(select(Track.public_id, Track.title).order_by(Track.id).limit(3)).all()
        playlist = library.create_playlist(s, owner_id=editor.id, name="Three", now=now)
        ids = [t[0] for t in tracks]
        library.add_to_playlist(s, playlist_id=playlist.id, user_id=editor.id, track_ids=ids, now=now)
        site = (playlist.id, [t[1] for t in tracks])
    with serve(container) as server:
        yield Site(server.base_url, container, *site)
    container.close()


def _open(browser: Browser, live: Site, user: str, path: str) -> tuple[BrowserContext, Page, list[str]]:
    return signed_in_page(browser, live.base_url, user, PW, path, DESKTOP["viewport"])


def _server_error(route: Route) -> None:
    route.fulfill(status=503, content_type="application/json",
                  body='{"error": {"code": "unavailable", "message": "the server is restarting"}}')  # fmt: skip


def test_log_out_that_fails_keeps_the_account_signed_in_and_says_so(live: Site, browser: Browser) -> None:
    """M1: a log-out offline (or answered 5xx) cleared the page and showed the log-in while the server session lived
    on: back online, a reload was signed in again (a shared computer's next visitor). It now says it could not sign
    out, and stays signed in; a log-out that reaches the server then signs out for good."""
    context, page, errors = _open(browser, live, "leaver", "/")
    page.wait_for_selector("text=New releases")
    log_out = page.get_by_role("button", name="Log out")

    context.set_offline(True)
    log_out.click()
    expect(page.locator("#toast")).to_contain_text(OFFLINE)
    expect(page.locator("#toast")).to_contain_text("still signed in")
    assert page.locator("form.login").count() == 0 and log_out.is_visible()
    context.set_offline(False)

    page.route("**/api/auth/logout", _server_error)
    log_out.click()
    expect(page.locator("#toast")).to_contain_text("Log out failed: the server is restarting")
    assert page.locator("form.login").count() == 0 and log_out.is_visible()
    page.unroute("**/api/auth/logout")

    page.reload()  # the page said signed in; the server agrees
    expect(page.locator("#account a.who")).to_be_visible()
    log_out.click()
    page.wait_for_selector("form.login")
    page.reload()
    page.wait_for_selector("form.login")  # and this time the session is gone on the server too
    assert not errors, errors
    context.close()


def test_history_finds_its_jobs_after_a_reload_and_polls_through_failures(live: Site, browser: Browser) -> None:
    """M2: the page followed a job only while it stayed open and until its first failed poll; a reload, Back or a
    network blip lost it, though the server lists the listener's jobs. It now follows a job found running when it
    opens, asks again after failed polls, and offers a finished export's zip when it opens again."""
    context, page, errors = _open(browser, live, "jobs", "/history")
    page.wait_for_selector("h1:text('History')")
    page.get_by_role("button", name="Export my data").click()  # no worker runs yet: the job waits, queued
    expect(page.locator(".history-job .job-text")).to_have_text("Export: queued")

    page.reload()  # the page forgot it; now it asks the server
    expect(page.locator(".history-job .job-text")).to_have_text("Export: queued")
    context.set_offline(True)  # a blip: the box waits for the network, and asks again as soon as it is back
    expect(page.locator(".history-job .job-text")).to_contain_text("Export: waiting for the network")
    context.set_offline(False)
    expect(page.locator(".history-job .job-text")).to_have_text("Export: queued")
    page.route("**/api/me/jobs/*", lambda route: route.abort())  # the polls fail, the server never hears them
    expect(page.locator(".history-job .job-text")).to_contain_text("the server did not answer; asking again")
    workers = InProcessWorkers(live.container.jobs)
    workers.start()
    try:
        page.unroute("**/api/me/jobs/*")
        expect(page.locator(".history-download a")).to_have_text("Download your export (zip)", timeout=20000)
        assert page.locator(".history .form-error").inner_text() == ""

        page.reload()  # a finished export: its zip is offered, and the job listed
        expect(page.locator(".history-download a")).to_contain_text("Download your export of")
        expect(page.locator(".history-jobs li")).to_contain_text("Export")
        zip_url = page.get_attribute(".history-download a", "href")
        assert zip_url and page.request.get(live.base_url + zip_url).ok
    finally:
        workers.stop()
    assert not errors, errors
    context.close()


def test_a_stale_playlist_edit_redraws_the_playlist_and_says_why(live: Site, browser: Browser) -> None:
    """M5: moving a track of a playlist changed elsewhere since the page drew it answered 409, an uncaught error,
    and the page kept its old order; Delete playlist offline failed silently too. Each now says so; the stale edit
    draws the playlist as the server has it."""
    context, page, errors = _open(browser, live, "editor", f"/playlist/{live.playlist}")
    first, second, third = live.titles
    rows = page.locator("#main .tracks .track-title")
    expect(rows).to_have_text([first, second, third])
    moved = page.request.post(  # another tab moves the first track to the end
        f"{live.base_url}/api/playlists/{live.playlist}/items/move",
        data={"range_start": 0, "insert_before": 3},
        headers={"X-Encore-CSRF": "1"},
    )
    assert moved.ok, moved.text()

    page.get_by_role("button", name=f"Move {first} down").click()  # from this page's stale snapshot
    expect(page.locator("#toast")).to_contain_text("This playlist changed since the page showed it")
    expect(rows).to_have_text([second, third, first])

    page.locator("summary:text('Edit playlist')").click()
    page.on("dialog", lambda d: d.accept())
    context.set_offline(True)
    page.get_by_role("button", name="Delete playlist").click()
    expect(page.locator(".owner-tools .form-error")).to_contain_text(OFFLINE)
    context.set_offline(False)
    assert page.url.endswith(f"/playlist/{live.playlist}")
    assert not errors, errors
    context.close()


def test_forms_offline_say_so_and_keep_what_was_typed(live: Site, browser: Browser) -> None:
    """L1: the log-in, Create playlist and Redeem forms showed the browser's "Failed to fetch" offline."""
    context = browser.new_context(bypass_csp=True, **DESKTOP)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(f"{live.base_url}/login")
    page.fill("#login-user", "typist")
    page.fill("#login-pass", PW)
    context.set_offline(True)
    page.click("form.login button[type=submit]")
    expect(page.locator("form.login .form-error")).to_contain_text(OFFLINE)
    assert page.input_value("#login-user") == "typist" and page.input_value("#login-pass") == PW
    context.set_offline(False)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("text=New releases")

    page.goto(f"{live.base_url}/library")
    page.fill("#new-playlist-name", "Kept name")
    context.set_offline(True)
    page.get_by_role("button", name="Create playlist").click()
    expect(page.locator(".inline-form .form-error").first).to_contain_text(OFFLINE)
    assert page.input_value("#new-playlist-name") == "Kept name"
    context.set_offline(False)

    page.goto(f"{live.base_url}/upgrade")
    page.fill("#redeem-code", "ABCD-EFGH")
    context.set_offline(True)
    page.get_by_role("button", name="Redeem").click()
    expect(page.locator("#upgrade-msg")).to_contain_text(OFFLINE)
    assert "Failed to fetch" not in page.inner_text("main")
    assert page.input_value("#redeem-code") == "ABCD-EFGH"
    context.close()


def test_admin_search_and_codes_offline_say_so(live: Site, browser: Browser) -> None:
    """L2 and L1: the admin's account search offline kept the last "No account matches." with an uncaught error;
    Make codes said "Failed to fetch"."""
    context, page, errors = _open(browser, live, "boss", "/admin")
    page.fill("#admin-user-q", "nobody-by-this-name")
    page.get_by_role("button", name="Find").click()
    expect(page.locator(".admin-users tbody")).to_have_text("No account matches.")
    context.set_offline(True)
    page.fill("#admin-user-q", "leaver")
    page.get_by_role("button", name="Find").click()
    expect(page.locator(".admin-users tbody")).to_contain_text(f"{OFFLINE}: search needs the network")
    page.click("text=Make codes")
    expect(page.locator("section.section", has_text="Redeem codes").locator(".form-status")).to_contain_text(OFFLINE)
    assert "Failed to fetch" not in page.inner_text("main")
    context.set_offline(False)
    page.get_by_role("button", name="Find").click()
    expect(page.locator('.admin-users tr[data-user="leaver"]')).to_have_count(1)
    assert not errors, errors
    context.close()
