"""The history page's jobs (review31c L1), in real Chromium over a real server whose job workers start when the test
says: a second job started while one is followed gets a line of its own, and each line says what its job came to."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from encore.accounts import create_user
from encore.db import transaction
from encore.jobs import InProcessWorkers
from tests.support.browser import sign_in
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_history_browser import _spotify_file

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "listener-pass-32"
LINES = ".history-job .job-text"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo catalogue with no job workers running: the test starts them once both its jobs are queued."""
    container = seeded_container(tmp_path_factory.mktemp("history32"))
    with transaction(container.sessions) as s:
        create_user(s, username="twojobs", password=PW)
    with serve(container) as server:
        yield server
    container.close()


def test_two_jobs_at_once_keep_a_line_each_to_their_end(live: LiveServer, browser: Browser) -> None:
    """review31c L1: an import started while an export was followed took the page's one progress box; the export's
    ending ("done", its zip) was never said there, though the job was listed under Recent. Each job now has its line,
    and a job the listener starts later clears only the lines of jobs already ended."""
    page = _page(browser, viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live.base_url, "twojobs", PW, "/history")
    page.wait_for_selector("h1:text('History')")
    page.get_by_role("button", name="Export my data").click()  # no worker runs yet: it waits, queued
    expect(page.locator(LINES)).to_have_text(["Export: queued"])
    spotify = {"name": "Streaming_History_Audio_2022.json", "mimeType": "application/json", "buffer": _spotify_file(3)}
    page.set_input_files("#history-file", files=[spotify])
    expect(page.locator(LINES)).to_have_text(["Export: queued", "Import: queued"])

    workers = InProcessWorkers(live.container.jobs)
    workers.start()
    try:
        expect(page.locator(".history-count")).to_have_text("Imported 3 listens (0 already here).", timeout=30000)
        expect(page.get_by_role("link", name="Download your export (zip)")).to_be_visible(timeout=30000)
        ends = page.locator(LINES).all_inner_texts()
        assert (
            len(ends) == 2
            and ends[0].startswith("Export: ")
            and ends[1] == "Import: Imported 3 listens (0 already here)"
        ), ends
        assert "queued" not in ends[0] and "running" not in ends[0], ends
        assert page.locator(".history-job progress").evaluate_all("bars => bars.map(b => b.value === b.max)") == [
            True,
            True,
        ]

        # A new job: the ended lines go (Recent lists them), its own comes and ends.
        page.get_by_role("button", name="Export my data").click()
        expect(page.locator(LINES)).to_have_count(1)
        expect(page.get_by_role("link", name="Download your export (zip)")).to_be_visible(timeout=30000)
        assert page.locator(LINES).inner_text().startswith("Export: ")
        expect(page.locator(".history-jobs li")).to_have_count(3)  # all three listed under Recent
    finally:
        workers.stop()
    assert not errors, errors
    page.close()
