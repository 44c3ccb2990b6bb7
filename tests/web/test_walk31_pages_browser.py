"""Session 31's Chromium walk (review31b), its pages, in real Chromium: a logged-out visit asks for no private data;
a free listener's pre-release lock says when it opens to everyone; the log-in says why a session that ended by itself
is back at it; a tab that follows another account's sign-in leaves the last account's private page; the admin is
offered Close only for a month the server would close; and /label and /admin fit a 320 px phone."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select, update

from encore.accounts import Role, create_user, get_user_by_name
from encore.catalog import Album
from encore.db import transaction
from encore.labels import SETTLEMENT, month_bounds
from tests.support.browser import go, sign_in
from tests.support.live import LiveServer
from tests.web.test_exclusive_kinds_browser import PW, _album, live
from tests.web.test_first_page_browser import _page, browser

__all__ = ["browser", "live"]
pytestmark = pytest.mark.browser
SMALL = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}


def _admin(live: LiveServer) -> str:
    with transaction(live.container.sessions) as s:
        if get_user_by_name(s, username="root") is None:
            create_user(s, username="root", password=PW, role=Role.ADMIN)
    return "root"


def test_a_logged_out_visit_asks_for_no_private_data(live: LiveServer, browser: Browser) -> None:
    """review31b L9: the first load of / fetched the listener's recent plays and mixes before /api/me said anyone
    was signed in: two more 401s in the console of every logged-out visit."""
    page = _page(browser)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.split("?")[0].removeprefix(live.base_url)))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live.base_url + "/")
    page.wait_for_selector("form.login")
    page.wait_for_load_state("networkidle")
    assert "/api/me" in asked  # who is signed in: nobody
    assert not [u for u in asked if u.startswith("/api/me/")], asked
    assert len(errors) <= 1, errors  # at most /api/me's own 401
    page.fill("#login-user", "free")  # signed in, the home asks for the listener's own rows, and shows them
    page.fill("#login-pass", PW)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#main .grid .card")
    assert "/api/me/recent" in asked and "/api/me/mixes" in asked
    page.close()


def test_a_pre_release_lock_says_it_is_premium_only_until_its_date(live: LiveServer, browser: Browser) -> None:
    """review31b L8: "Premium until January 6, 2027" read like the listener's own Premium ending then."""
    page = _page(browser)
    sign_in(page, live.base_url, "free", PW, f"/album/{_album(live)}")
    item = page.locator(".exclusive[data-kind=prerelease]")
    item.wait_for()
    said = item.inner_text()
    assert "Premium only until " in said and "Premium until" not in said, said
    page.close()


def test_a_session_that_ended_by_itself_says_so_at_the_log_in(live: LiveServer, browser: Browser) -> None:
    """review31b L7: after a session expired or was signed out elsewhere, the log-in came back with no reason. A Log
    out pressed here needs none."""
    page = _page(browser)
    sign_in(page, live.base_url, "free2", PW, "/")
    page.wait_for_selector("#account .who")
    ended = page.context.request.post(f"{live.base_url}/api/auth/logout", headers={"X-Encore-CSRF": "1"})
    assert ended.status == 204  # the session ends on the server; this tab does not know yet
    go(page, "/library")  # its next call is refused
    page.wait_for_selector("form.login")
    assert page.inner_text("#session-ended").startswith("Your session ended")
    page.fill("#login-user", "free2")
    page.fill("#login-pass", PW)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#account .who")
    page.click("#account button:text('Log out')")  # a log-out of its own: the form, without the line
    page.wait_for_selector("form.login")
    assert page.locator("#session-ended").count() == 0
    page.close()


def test_a_tab_following_another_sign_in_leaves_the_last_accounts_page(live: LiveServer, browser: Browser) -> None:
    """review31b L6: a tab reloaded onto the previous account's private URL (demo's /mix/<id>) and said "Not found".
    A page of the catalogue stays where it is."""
    context = browser.new_context(bypass_csp=True)
    private, shared, other = context.new_page(), context.new_page(), context.new_page()
    album = f"/album/{_album(live)}"
    sign_in(private, live.base_url, "free", PW, "/library")
    made = private.context.request.post(
        f"{live.base_url}/api/playlists", data={"name": "Mine only"}, headers={"X-Encore-CSRF": "1"}
    )
    assert made.status == 201, made.text()
    private.goto(f"{live.base_url}/playlist/{made.json()['id']}")
    private.wait_for_selector("#main h1:text-is('Mine only')")
    shared.goto(live.base_url + album)
    shared.wait_for_selector("#main h1")
    sign_in(other, live.base_url, "free2", PW, "/")  # another account, in another tab of this browser
    other.wait_for_selector("#account .who")
    private.wait_for_url(f"{live.base_url}/", timeout=10000)
    private.wait_for_selector("#main .grid .card")
    assert private.inner_text("#account .who") == "Free Two"
    shared.wait_for_function("document.querySelector('#account .who')?.textContent === 'Free Two'", timeout=10000)
    assert shared.url == live.base_url + album
    context.close()


def test_close_is_offered_only_for_a_month_the_server_would_close(live: LiveServer, browser: Browser) -> None:
    """review31b L4: "Close 2026-12" was offered for the month still running, and the confirm's refusal was a raw
    lowercase line. The server says whether a month may be closed (four days after it ends); its refusals are
    sentences."""
    admin = _admin(live)
    page = _page(browser)
    sign_in(page, live.base_url, admin, PW, "/label")
    page.wait_for_selector(".statement-summary")
    now = datetime.now(UTC)
    current = now.strftime("%Y-%m")
    page.select_option("select[aria-label='Statement month']", current)
    note = page.locator(".close-when")
    note.wait_for()
    assert page.locator(".close-month").count() == 0
    assert note.inner_text().startswith(f"{current} can be closed from ")
    assert " UTC" in note.inner_text()
    refused = page.context.request.post(
        f"{live.base_url}/api/admin/statements/{current}/close", headers={"X-Encore-CSRF": "1"}
    )
    assert refused.status == 400
    said = refused.json()["error"]["message"]
    assert said[0].isupper() or said[0].isdigit(), said
    assert said.endswith("."), said
    months = page.eval_on_selector_all("select[aria-label='Statement month'] option", "os => os.map(o => o.value)")
    last = next(m for m in months if m != current)
    page.select_option("select[aria-label='Statement month']", last)
    settled = now >= month_bounds(last)[1] + SETTLEMENT  # the server's rule, to know which the page must show
    page.wait_for_selector(".close-month" if settled else ".close-when")
    page.close()


def _sideways(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_label_and_admin_pages_fit_a_320_px_phone(live: LiveServer, browser: Browser) -> None:
    """review31b L3: at 320 px /label scrolled sideways (a document 383 px wide: the upload's and the covers' file
    inputs, the exclusives list) and /admin too (355 px: the campaign form's fields, the labels table)."""
    with transaction(live.container.sessions) as s:  # a draft open on the label's page: its form is shown
        first = s.scalars(select(Album).order_by(Album.id)).first()
        assert first is not None
        s.execute(update(Album).where(Album.id == first.id).values(status="draft"))
    page = _page(browser, **SMALL)
    sign_in(page, live.base_url, "lab", PW, "/label")
    page.wait_for_selector(".release-form")
    page.wait_for_selector(".own-exclusives .own-exclusive")
    page.wait_for_load_state("networkidle")
    assert _sideways(page) == 0
    page.close()
    page = _page(browser, **SMALL)
    sign_in(page, live.base_url, _admin(live), PW, "/admin")
    page.wait_for_selector(".admin-campaign-form")
    page.wait_for_load_state("networkidle")
    assert _sideways(page) == 0
    go(page, "/label")  # the admin's labels and statements
    page.wait_for_selector(".statement-summary")
    assert _sideways(page) == 0
    page.close()
