"""Connecting a Subsonic app from the player's settings, on a phone: what to type, a QR code, the secret once."""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ElementHandle, Page

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from tests.support.live import LiveServer, serve
from tests.support.migrate import migrated_sqlite
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    work: Path = tmp_path_factory.mktemp("devices")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
    with serve(container) as server:
        yield server
    container.close()


def test_connect_a_phone_app(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 390, "height": 844})
    _login(page, live, "/settings")
    page.wait_for_selector(".connect-how")
    assert page.locator(".connect-how .secret-line span").all_inner_texts() == ["Server URL:", "Username:"]
    assert page.locator(".connect-how code").all_inner_texts() == [live.base_url, "listener"]
    page.wait_for_function("() => document.querySelector('img.connect-qr').naturalWidth > 0")  # the QR code loaded

    page.fill("#device-name", "Phone (DSub)")
    page.click("text=Create app password")
    dialog = page.wait_for_selector("dialog.device-dialog[open]")
    assert _said(page, "dialog.device-dialog") == ("Connect “Phone (DSub)”", "password")
    shown = page.locator("dialog.device-dialog .secret-line")
    lines = {line.locator("span").inner_text().rstrip(": "): line.locator("code").inner_text() for line in shown.all()}
    assert lines["Server URL"] == live.base_url and lines["Username"] == "listener"
    # What the dialog says works in a Subsonic app: the server URL, the username and the app password.
    ping = httpx.get(
        f"{lines['Server URL']}/rest/ping",
        params={"u": lines["Username"], "p": lines["App password"], "v": "1.16.1", "c": "test", "f": "json"},
    ).json()
    assert ping["subsonic-response"]["status"] == "ok"
    # Modal and on top: what lies at its button is the button, not the player bar or the phone's nav.
    assert _on_top(page, dialog)
    page.click("text=I have copied them")
    page.wait_for_selector("dialog.device-dialog", state="detached")
    assert "Phone (DSub)" in page.inner_text(".devices")
    assert "App password" not in page.inner_text("#main")  # the secret is gone once the dialog is closed
    page.context.close()


def test_connect_a_scrobbler_with_a_listenbrainz_token(live: LiveServer, browser: Browser) -> None:
    """probe20 F4: the player had no way to get a ListenBrainz token (only a POST made one), and after a sign-out
    everywhere the API still said the dead token existed. Settings now says whether one works, makes one (shown
    once, with what to paste where), and says plainly when a sign-out cut it."""
    page = _page(browser, viewport={"width": 390, "height": 844})
    _login(page, live, "/settings")
    state = page.wait_for_selector("#listen-token-state")
    assert "No token yet" in state.inner_text()
    roots = page.locator(".listen-token-how .secret-line code").all_inner_texts()
    assert roots == [live.base_url, f"{live.base_url}/1/submit-listens"]

    page.click("#listen-token-make")
    dialog = page.wait_for_selector("dialog.listen-token-dialog[open]")
    assert _said(page, "dialog.listen-token-dialog") == ("Your ListenBrainz token", "token")
    assert _on_top(page, dialog)  # the same shown-once dialog as an app password's (dom.js shownOnceDialog)
    shown = page.locator("dialog.listen-token-dialog .secret-line")
    lines = {line.locator("span").inner_text().rstrip(": "): line.locator("code").inner_text() for line in shown.all()}
    assert lines["API root"] == live.base_url
    # What the dialog says works in a ListenBrainz client: the token, sent to /1/ under the API root.
    token = {"Authorization": f"Token {lines['Token']}"}
    assert httpx.get(f"{lines['API root']}/1/validate-token", headers=token).json()["valid"] is True
    page.click("text=I have copied it")
    page.wait_for_selector("dialog.listen-token-dialog", state="detached")
    assert f"…{lines['Token'][-4:]}" in page.inner_text("#listen-token-state")
    assert lines["Token"] not in page.inner_text("#main")  # shown only once

    page.once("dialog", lambda d: d.accept())  # "Make a new token? The one your scrobbler uses now stops working"
    page.click("text=Make a new token")
    page.wait_for_selector("dialog.listen-token-dialog[open]")
    second = page.locator("dialog.listen-token-dialog .secret-line code").first.inner_text()
    assert second != lines["Token"]
    assert httpx.get(f"{live.base_url}/1/validate-token", headers=token).json()["valid"] is False
    page.click("text=I have copied it")

    page.once("dialog", lambda d: d.accept())
    page.click("#sign-out-everywhere")
    page.wait_for_selector("form.login")
    _login(page, live, "/settings")
    state = page.wait_for_selector("#listen-token-state")
    assert "stopped working when you signed out everywhere" in state.inner_text()
    assert page.inner_text("#listen-token-make") == "Make a token"
    page.context.close()


def _said(page: Page, dialog: str) -> tuple[str, str]:
    """The dialog's title, as its aria-labelledby names it, and the secret its warning says to copy now."""
    title = page.evaluate(
        "(sel) => { const d = document.querySelector(sel); "
        "return document.getElementById(d.getAttribute('aria-labelledby')).textContent; }",
        dialog,
    )
    warning = page.inner_text(f"{dialog} .warning")
    match = re.fullmatch(r"Copy the (\w+) now: Encore shows it only this once\.", warning)
    assert match, warning
    return title, match[1]


def _on_top(page: Page, dialog: ElementHandle) -> bool:
    """Modal and on top: what lies at its button is the button, not the player bar or the phone's nav."""
    box = dialog.query_selector(".dialog-actions button").bounding_box()
    assert box is not None
    return bool(
        page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('dialog') !== null",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
    )
