"""Home's "Building the demo catalogue" notice in real Chromium: shown while the build's progress file says it
is building and a builder holds the build lock (here the test), gone once it says done (the page asks again by
itself; the test waits for states, not time); an unfinished build nobody holds says it stopped."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.demo import BuildProgress, library_dir, try_build_lock, write_progress
from tests.support.live import LiveServer, serve
from tests.support.migrate import migrated_sqlite
from tests.web.conftest import chromium
from tests.web.test_first_page_browser import _login, _page, browser

pytestmark = pytest.mark.browser
__all__ = ["browser", "chromium"]  # the Chromium fixtures of tests/web (this module is outside that folder)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("demo-notice")
    settings = Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container: Container = build(settings)
    container.migrate()
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
    with serve(container) as server:
        yield server
    container.close()


def _library(live: LiveServer) -> Path:
    return library_dir(live.container.settings.data_dir)


def test_home_shows_the_build_and_drops_the_notice_when_it_is_done(live: LiveServer, browser: Browser) -> None:
    builder = try_build_lock(_library(live))  # the builder at work, as the server sees it
    assert builder is not None
    with builder:
        _building_then_done(live, browser)


def _building_then_done(live: LiveServer, browser: Browser) -> None:
    write_progress(_library(live), BuildProgress(4, 20, 31, 150, "catalogue", finished=False))
    page = _page(browser, viewport={"width": 1280, "height": 800})
    _login(page, live)
    note = page.locator(".demo-build-note")
    note.wait_for(state="visible")
    assert note.inner_text().startswith("Building the demo catalogue: 4/20 albums (31/150 tracks)")
    assert note.get_attribute("role") == "status"  # read out by screen readers as it changes

    write_progress(_library(live), BuildProgress(20, 20, 150, 150, "history", finished=False))
    page.wait_for_selector(".demo-build-note:has-text('Generating listening history')")
    write_progress(_library(live), BuildProgress(20, 20, 150, 150, "done", finished=True))
    note.wait_for(state="detached")
    page.wait_for_selector("text=New releases")  # the rest of home is still there
    page.context.close()


def test_a_build_that_died_half_way_says_it_stopped(live: LiveServer, browser: Browser) -> None:
    write_progress(_library(live), BuildProgress(4, 20, 31, 150, "catalogue", finished=False))  # nobody holds it
    page = _page(browser)
    _login(page, live)
    note = page.locator(".demo-build-note:has-text('The demo build stopped at 4/20 albums')")
    note.wait_for(state="visible")
    assert "run make run again to finish it" in note.inner_text()
    page.context.close()


def test_no_notice_without_a_demo_build(live: LiveServer, browser: Browser) -> None:
    (_library(live) / ".demo-build.json").unlink(missing_ok=True)
    page = _page(browser)
    _login(page, live)
    page.wait_for_selector("text=New releases")
    page.locator(".demo-build-note").wait_for(state="detached")
    page.context.close()
