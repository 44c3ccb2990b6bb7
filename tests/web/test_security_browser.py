"""The incident kit in real Chromium: a listener's Security section, the admin's audit log with filters."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from encore.accounts import Role, create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from tests.support.live import LiveServer, serve
from tests.support.migrate import migrated_sqlite
from tests.web.test_first_page_browser import _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    work: Path = tmp_path_factory.mktemp("security")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1")
        create_user(s, username="root", password="root-pass-1234", role=Role.ADMIN)
        create_user(s, username="leaver", password="leaver-pass-12")
    with serve(container) as server:
        yield server
    container.close()


def _login(page: Page, live: LiveServer, user: str, password: str) -> None:
    page.goto(live.base_url + "/settings")
    page.wait_for_selector("form.login")
    page.fill("#login-user", user)
    page.fill("#login-pass", password)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#account .who")


def test_security_section_and_admin_audit_log(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live.base_url + "/login")
    page.wait_for_selector("form.login")
    page.fill("#login-user", "listener")
    page.fill("#login-pass", "a-wrong-password")
    page.click("form.login button[type=submit]")
    page.wait_for_selector(".form-error")
    _login(page, live, "listener", "listener-pass-1")
    page.wait_for_selector("section.security .audit-event")
    # its explanations are read whole, on a phone too (probe22 F7: cut to one line with "…")
    wide = page.viewport_size
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 844})
        cut = page.eval_on_selector_all(
            "section.security p.card-sub", "ps => ps.filter(p => p.scrollWidth > p.clientWidth)"
        )
        assert cut == [], width
    assert "Cancel a card subscription first" in page.inner_text("section.security .delete-account-box")
    assert wide is not None
    page.set_viewport_size(wide)
    kinds = page.eval_on_selector_all("section.security .event-kind", "els => els.map(e => e.dataset.kind)")
    assert kinds == ["login", "login.failed"]
    assert page.locator("section.security").inner_text().count("Failed sign-in") == 1
    assert page.locator("a[href='/admin/security']").count() == 0  # listeners get no admin link
    assert page.get_attribute("#allowed-apps", "href") == "/developer"  # the OAuth apps they allowed, to revoke
    page.goto(live.base_url + "/admin/security")
    page.wait_for_selector("text=Not found")
    page.get_by_role("link", name="Go to Home").click()  # a next step, not a page that only says no
    page.wait_for_selector("#main h2:text('New releases')")
    assert page.url == live.base_url + "/"

    admin = _page(browser)
    admin.on("pageerror", lambda e: errors.append(str(e)))
    _login(admin, live, "root", "root-pass-1234")
    admin.click("a[href='/admin/security']")
    admin.wait_for_selector(".audit-filter")  # the settings page has an audit table of its own
    assert admin.locator("tr.audit-event").count() == 3
    admin.fill("#audit-account", "listener")
    admin.fill("#audit-kind", "login.failed")
    admin.click(".audit-filter button[type=submit]")
    admin.wait_for_function("document.querySelectorAll('tr.audit-event').length === 1")
    assert "account=listener" in admin.url and "kind=login.failed" in admin.url
    row = admin.locator("tr.audit-event").inner_text()
    assert "Failed sign-in" in row and "listener" in row
    with admin.expect_download() as got:
        admin.click(".audit-exports a:has-text('CSV')")
    text = Path(got.value.path()).read_text()
    assert text.splitlines()[0].startswith("id,at,kind") and "login.failed" in text and ",login," not in text

    admin.once("dialog", lambda d: d.accept())
    admin.click("text=Sign out listener everywhere")
    admin.wait_for_selector(".incident .form-status:has-text('Done.')")
    page.goto(live.base_url + "/settings")  # the listener's browser is out at its next request
    page.wait_for_selector("form.login")
    admin.close()

    _login(page, live, "listener", "listener-pass-1")
    second = _page(browser)  # another browser of the same account
    _login(second, live, "listener", "listener-pass-1")
    page.wait_for_selector("#sign-out-everywhere")
    page.once("dialog", lambda d: d.accept())
    page.click("#sign-out-everywhere")
    page.wait_for_selector("form.login")
    second.goto(live.base_url + "/settings")
    second.wait_for_selector("form.login")
    assert errors == []
    page.close()
    second.close()


def test_forced_password_reset_in_the_player(live: LiveServer, browser: Browser) -> None:
    with transaction(live.container.sessions) as s:
        create_user(s, username="resetme", password="old-pass-1234")
    page = _page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live, "resetme", "old-pass-1234")
    admin = _page(browser)
    _login(admin, live, "root", "root-pass-1234")
    admin.goto(live.base_url + "/admin/security?account=resetme")
    admin.once("dialog", lambda d: d.accept())
    admin.click("text=Require a new password from resetme")
    admin.wait_for_selector(".incident .form-status:has-text('Done.')")
    status = admin.text_content(".incident .form-status") or ""
    code = status.split("resetme ")[1].split(",")[0].strip()  # the one-time code the admin hands over
    admin.close()

    page.goto(live.base_url + "/library")  # signed out at the next request; the old password proves who it is
    page.wait_for_selector("form.login")
    page.fill("#login-user", "resetme")
    page.fill("#login-pass", "old-pass-1234")
    page.click("form.login button[type=submit]")
    page.wait_for_selector("form.password-reset")
    page.fill("#reset-code", code.lower())  # typed as it comes: case and dashes do not matter
    page.fill("#reset-current", "old-pass-1234")
    page.fill("#reset-new", "new-pass-5678")
    page.fill("#reset-again", "new-pass-5678")
    page.click("form.password-reset button[type=submit]")
    page.wait_for_selector("form.password-reset", state="detached")
    assert page.evaluate("location.pathname") == "/library"  # where the listener was going
    page.wait_for_selector("#main h1")
    assert errors == []
    page.close()


def test_a_listener_deletes_their_account_from_the_account_page(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())  # "Delete your account? ... cannot be undone."
    _login(page, live, "leaver", "leaver-pass-12")
    page.fill("#delete-account-password", "not-the-password")
    page.click("#delete-account button[type=submit]")
    page.wait_for_selector("#delete-account-status:has-text('password is wrong')")
    page.fill("#delete-account-password", "leaver-pass-12")
    page.click("#delete-account button[type=submit]")
    page.wait_for_selector("#account-deleted")
    assert page.url.endswith("/login?deleted=1")
    page.fill("#login-user", "leaver")
    page.fill("#login-pass", "leaver-pass-12")
    page.click("form.login button[type=submit]")
    page.wait_for_selector(".form-error")  # the account no longer signs in
    assert errors == []


def test_a_listener_changes_their_password_in_settings(live: LiveServer, browser: Browser) -> None:
    """review28b F3: README and `encore user set-password` send the listener to Settings to change it."""
    with transaction(live.container.sessions) as s:
        create_user(s, username="changer", password="changer-pass-12")
    page, other = _page(browser), _page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live, "changer", "changer-pass-12")
    _login(other, live, "changer", "changer-pass-12")  # another device of the same account

    # review28d L3: the form names its account to a password manager, unseen
    assert page.input_value("#change-password-user") == "changer"
    assert page.get_attribute("#change-password-user", "autocomplete") == "username"
    assert not page.is_visible("#change-password-user")

    def change(current: str, new: str, again: str) -> None:
        page.fill("#change-password-current", current)
        page.fill("#change-password-new", new)
        page.fill("#change-password-again", again)
        page.click("#change-password button[type=submit]")

    change("not-my-password", "fresh-changer-pass-89", "fresh-changer-pass-89")
    page.wait_for_selector("#change-password-current-error:has-text('current password is wrong')")
    assert page.get_attribute("#change-password-current", "aria-invalid") == "true"
    change("changer-pass-12", "password", "password")  # a first guess, told beside the new password
    page.wait_for_selector("#change-password-new-error:has-text('too easy to guess')")
    assert page.locator("#change-password-current-error").count() == 0  # the earlier sentence went
    change("changer-pass-12", "fresh-changer-pass-89", "fresh-changer-pass-88")
    page.wait_for_selector("#change-password-again-error:has-text('differ')")
    change("changer-pass-12", "fresh-changer-pass-89", "fresh-changer-pass-89")
    page.wait_for_selector("#change-password-status:has-text('every other browser')")
    assert page.locator(".field-error").count() == 0
    assert page.input_value("#change-password-new") == ""  # not left on the page
    page.reload()  # this tab keeps its (fresh) session
    page.wait_for_selector("#account .who")
    other.goto(live.base_url + "/settings")  # the other device is out
    other.wait_for_selector("form.login")
    other.fill("#login-user", "changer")
    other.fill("#login-pass", "changer-pass-12")
    other.click("form.login button[type=submit]")
    other.wait_for_selector(".form-error")  # the old password no longer signs in
    _login(other, live, "changer", "fresh-changer-pass-89")
    assert errors == []
    page.close()
    other.close()
