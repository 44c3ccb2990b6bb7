"""review26a M1 in the player: Settings has a Display name field; a refusal is told beside it, a saved name is
what the header and others see, and the login name is never the name shown to others."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

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
    work: Path = tmp_path_factory.mktemp("names")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1")  # as the web sign-up makes it: no name
    with serve(container) as server:
        yield server
    container.close()


def test_choose_the_name_others_see_in_settings(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live, "/settings")
    page.wait_for_selector("#display-name-form")
    assert page.input_value("#set-display-name") == ""
    neutral = page.get_attribute("#set-display-name", "placeholder") or ""
    assert neutral.startswith("Listener ") and "listener" not in neutral
    assert neutral in page.inner_text("#display-name-seen")

    page.fill("#set-display-name", "LISTENER")  # the login name, in another case
    page.click("text=Save name")
    page.wait_for_selector("#set-display-name-error")
    assert "cannot be your username" in page.inner_text("#set-display-name-error")
    assert page.get_attribute("#set-display-name", "aria-invalid") == "true"

    page.fill("#set-display-name", "Night Owl")
    page.click("text=Save name")
    page.wait_for_selector("#display-name-status:has-text('Saved.')")
    assert page.locator("#set-display-name-error").count() == 0
    assert "Night Owl" in page.inner_text("#display-name-seen")
    assert page.inner_text("a.who") == "Night Owl"
    page.reload()
    page.wait_for_selector("#display-name-form")
    assert page.input_value("#set-display-name") == "Night Owl"
