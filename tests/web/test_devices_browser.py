"""Connecting a Subsonic app from the player's settings, on a phone: what to type, a QR code, the secret once."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from tests.support.live import LiveServer, serve
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work: Path = tmp_path_factory.mktemp("devices")
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
    box = dialog.query_selector(".dialog-actions button").bounding_box()
    assert box is not None
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('dialog') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top
    page.click("text=I have copied them")
    page.wait_for_selector("dialog.device-dialog", state="detached")
    assert "Phone (DSub)" in page.inner_text(".devices")
    assert "App password" not in page.inner_text("#main")  # the secret is gone once the dialog is closed
    page.context.close()
