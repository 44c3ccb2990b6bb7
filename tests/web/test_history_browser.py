"""The history page in real Chromium, with the server's own job workers running: on a desktop, browse
(infinite scroll), filter, play a row, delete one play and a date range; on a phone, import a file with
live progress (and a bad one refused), export and download the zip, delete everything. Each deletion is
read back through the Wrapped API."""

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from encore.accounts import User, create_user
from encore.catalog import Track
from encore.db import transaction
from encore.history import ListenIn, Play, submit_listens
from encore.jobs import InProcessWorkers
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import SCREENSHOTS, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PASSWORD = "listener-pass-1"
ROWS = "#main .history-row"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Two listeners, each with 72 catalogue plays in 2024 and 4 imported listens in 2023."""
    work = tmp_path_factory.mktemp("history")
    container = seeded_container(work)
    with transaction(container.sessions) as s:
        tracks = list(s.scalars(select(Track.id).order_by(Track.id)))
        for name in ("desk", "phone"):
            user_id = create_user(s, username=name, password=PASSWORD, display_name=name.title()).id
            for n in range(72):
                at = datetime(2024, 3, 1, 8, tzinfo=UTC) + timedelta(hours=7 * n)
                s.add(
                    Play(
                        user_id=user_id, client_play_id=f"{name}-play-{n:04d}", track_id=tracks[n % len(tracks)],
                        started_at=at, updated_at=at, ms_played=40_000, state="ended", is_listen=True, source="web",
                    )
                )  # fmt: skip
            imported = [
                ListenIn(datetime(2023, 7, d, 21, tzinfo=UTC), "Far Band", f"Old Song {d}") for d in (1, 2, 3, 4)
            ]
            submit_listens(s, user_id=user_id, listens=imported, source="import", now=datetime.now(UTC))
    workers = InProcessWorkers(container.jobs)  # as `encore serve` runs them
    workers.start()
    with serve(container) as server:
        yield server
    workers.stop()
    container.close()


def _login(page: Page, live: LiveServer, username: str, path: str) -> None:
    page.goto(live.base_url + path)
    page.wait_for_selector("form.login")
    page.fill("#login-user", username)
    page.fill("#login-pass", PASSWORD)
    page.click("form.login button[type=submit]")


def _wrapped_listens(page: Page, period: str) -> int:
    r = page.request.get(f"{_origin(page)}/api/me/wrapped/{period}")
    assert r.ok, r.text()
    return int(r.json()["listens"])


def _origin(page: Page) -> str:
    return page.url.split("/history")[0]


def _rows(page: Page) -> int:
    return page.locator(ROWS).count()


def test_browse_filter_play_delete_one_and_a_range_on_a_desktop(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800}, timezone_id="UTC")
    _login(page, live, "desk", "/")
    page.wait_for_selector("text=New releases")
    page.click("#nav a[data-nav=history]")
    page.wait_for_selector(ROWS)
    assert page.inner_text(".history-count") == "76 plays" and _rows(page) == 50
    page.screenshot(path=str(SCREENSHOTS / "history-1280x800.png"))
    page.locator(ROWS).last.scroll_into_view_if_needed()  # infinite scroll: the next page comes by itself
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === 76")
    assert page.locator(f"{ROWS} .history-badge").count() == 4

    page.select_option("#history-source", "imported")
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === 4")
    assert page.inner_text(".history-count") == "4 plays"
    page.select_option("#history-source", "")
    page.wait_for_function("document.querySelector('.history-count').textContent === '76 plays'")
    title = page.locator(f"{ROWS} .track-title").first.inner_text()
    page.fill("#history-q", title.upper())  # text filter, any case
    page.wait_for_function("document.querySelector('.history-count').textContent === '6 plays'")
    assert {t.strip() for t in page.locator(f"{ROWS} .track-title").all_inner_texts()} == {title}
    page.locator(f"{ROWS} button.history-play").first.click()  # each row plays
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {json.dumps(title)}")
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)
    page.click("#btn-play")  # pause; the play just heard is in history now, dated today
    page.fill("#history-q", "")
    page.wait_for_function("/^7[67] plays$/.test(document.querySelector('.history-count').textContent)")

    before = _wrapped_listens(page, "2024")
    play_id = "desk-play-0071"  # the newest of 2024 (the play just heard is today's)
    page.locator(f'{ROWS}[data-play-id="{play_id}"] button.icon-btn').click()
    page.wait_for_selector(f'{ROWS}[data-play-id="{play_id}"]', state="detached")
    assert _wrapped_listens(page, "2024") == before - 1

    assert _wrapped_listens(page, "2023") == 4
    page.fill("#history-since", "2023-07-02")
    page.fill("#history-until", "2023-07-03")
    page.wait_for_function("document.querySelector('.history-count').textContent === '2 plays'")
    page.get_by_role("button", name="Delete these dates").click()
    dialog = page.locator("dialog.history-dialog")
    assert "2 plays from 2023-07-02 to 2023-07-03" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()  # a change of mind deletes nothing
    dialog.wait_for(state="detached")
    assert _wrapped_listens(page, "2023") == 4
    page.get_by_role("button", name="Delete these dates").click()
    page.locator("dialog.history-dialog").get_by_role("button", name="Delete 2 plays").click()
    page.wait_for_selector("text=Deleted 2 plays.")
    assert "Deleting: Deleted" in page.inner_text(".history-job")
    assert _rows(page) == 0 and _wrapped_listens(page, "2023") == 2 and _wrapped_listens(page, "2024") == before - 1
    page.close()


def _spotify_file(rows: int) -> bytes:
    start = datetime(2022, 5, 1, tzinfo=UTC)
    items = [
        {
            "ts": (start + timedelta(minutes=5 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ms_played": 200_000,
            "master_metadata_track_name": f"Imported {i % 40}",
            "master_metadata_album_artist_name": "Import Band",
            "master_metadata_album_album_name": "Import Album",
            "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
            "incognito_mode": False,
        }
        for i in range(rows)
    ]
    return json.dumps(items).encode()


def test_import_export_and_delete_everything_on_a_phone(live: LiveServer, browser: Browser) -> None:
    page = _page(
        browser,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
        timezone_id="UTC",
    )
    _login(page, live, "phone", "/")
    page.wait_for_selector("text=New releases")
    assert not page.is_visible("#nav a[data-nav=history]")  # the bottom nav stays at five; History is in Library
    page.click("#nav a[data-nav=library]")
    page.get_by_role("link", name="History").click()
    page.wait_for_selector(ROWS)
    assert page.inner_text(".history-count") == "76 plays"

    # every progress text the job box shows, as the player shows it
    page.evaluate(
        """window.__seen = [];
        new MutationObserver(() => { const t = document.querySelector('.history-job .job-text');
          if (t && window.__seen.at(-1) !== t.textContent) window.__seen.push(t.textContent); })
          .observe(document.querySelector('.history-job'), {subtree: true, childList: true, characterData: true});"""
    )
    page.set_input_files(
        "#history-file",
        files=[
            {"name": "Streaming_History_Audio_2022.json", "mimeType": "application/json", "buffer": _spotify_file(3000)}
        ],
    )
    page.wait_for_selector("text=Imported 3,000 listens (0 already here).", timeout=60_000)
    seen: list[str] = page.evaluate("window.__seen")
    assert seen[-1] == "Import: Imported 3,000 listens (0 already here)" and any(  # the count too (review32b L5)
        s.startswith(("Import: queued", "Import: Checking", "Import: Saving")) for s in seen
    ), seen
    assert page.locator(ROWS).count() == 50  # the list was read again: the newest page
    page.screenshot(path=str(SCREENSHOTS / "history-390x844.png"))

    page.set_input_files(
        "#history-file",
        files=[{"name": "Streaming_History_Audio_2.json", "mimeType": "application/json", "buffer": b'[{"ts": "20'}],
    )
    page.wait_for_selector("text=Import failed:")
    assert "malformed JSON" in page.inner_text(".form-error")
    # the job box ends with it: not "queued" beside the error with a bar that moves forever
    assert page.inner_text(".history-job .job-text") == "Import: failed"
    assert page.get_attribute(".history-job progress", "value") is not None
    # review27b F5: the first file's "Imported 3,000 listens" is not this one's; the line is the total again
    assert page.inner_text(".history-count") == "3,076 plays"
    page.set_input_files("#history-file", files=[{"name": "empty.json", "mimeType": "application/json", "buffer": b""}])
    page.wait_for_function("document.querySelector('.form-error').textContent.includes('empty')")

    page.get_by_role("button", name="Export my data").click()
    link = page.get_by_role("link", name="Download your export (zip)")
    link.wait_for(timeout=60_000)
    assert page.inner_text(".form-error") == ""  # review27b F5: the import's failure no longer sits under the export
    with page.expect_download() as download:
        link.click()
    with zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())) as z:
        names = z.namelist()
    assert download.value.suggested_filename.startswith("encore-phone-") and any("plays" in n for n in names), names

    assert _wrapped_listens(page, "2024") == 72
    page.get_by_role("button", name="Delete all history").click()
    dialog = page.locator("dialog.history-dialog")
    confirm = dialog.get_by_role("button", name="Delete everything")
    assert confirm.is_disabled()
    dialog.locator("input").fill("delete every")
    assert confirm.is_disabled()  # only the whole phrase
    dialog.locator("input").fill("delete everything")
    confirm.click()
    page.wait_for_selector("text=No plays here yet.", timeout=60_000)
    assert "earlier export held them and was deleted too" in page.inner_text(".history-count")
    assert link.count() == 0  # review28b F2: the deleted export's link stayed, and answered 404
    assert _wrapped_listens(page, "2024") == 0
    r = page.request.get(f"{_origin(page)}/api/me/wrapped")
    assert r.json() == {"periods": []}
    with live.container.sessions() as s:  # only this listener's history went
        kept = s.scalars(select(User.username).join(Play, Play.user_id == User.id).group_by(User.username))
        assert list(kept) == ["desk"]
    page.close()


def test_one_listen_imported_is_said_in_the_singular(live: LiveServer, browser: Browser) -> None:
    """review30b L4: "Imported 1 listens (0 already here)." The count is said as "Deleted 1 play." is."""
    with transaction(live.container.sessions) as s:
        create_user(s, username="single", password=PASSWORD, display_name="Single")
    page = _page(browser, viewport={"width": 1366, "height": 900})
    _login(page, live, "single", "/history")
    page.wait_for_selector(".history-count")
    one = [{"name": "Streaming_History_Audio_1.json", "mimeType": "application/json", "buffer": _spotify_file(1)}]
    page.set_input_files("#history-file", files=one)
    page.wait_for_selector(".history-count:text-is('Imported 1 listen (0 already here).')", timeout=60_000)
    page.set_input_files("#history-file", files=one)  # the same listen again: none new, the plural for none
    page.wait_for_selector(".history-count:text-is('Imported 0 listens (1 already here).')", timeout=60_000)
    page.close()
