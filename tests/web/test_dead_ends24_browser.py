"""Dead ends in the web pages that probe24b found (session 24), in real Chromium.

F3: the sign-in page offered no way forward from a forgotten password. Encore sends no mail, so the page now says
who can reset one (the server's administrator) and the command they use.

F1: the label page sends a release's files one at a time, and a reload mid-queue silently dropped the rest. The
browser now asks before leaving while files are queued or in flight, and a page left anyway says on return how many
files were uploaded and which were never confirmed.

F8: a one-track album read "1 TRACKS".
"""

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, Dialog, Page, Route
from sqlalchemy import select

from encore.accounts import Role, create_user
from encore.catalog import Album
from encore.db import transaction
from tests.catalog import factories as f
from tests.support.browser import sign_in
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "label-pass-1234"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A label account (`label`) on the first album's label, and an album of one track."""
    container = seeded_container(tmp_path_factory.mktemp("dead-ends24"))
    with transaction(container.sessions) as s:
        album = s.scalars(select(Album).where(Album.label_id.is_not(None)).order_by(Album.id)).first()
        assert album is not None
        create_user(s, username="label", password=PW, role=Role.LABEL).label_id = album.label_id
        create_user(s, username="listener", password=PW)
        solo = f.artist(s, "Solo Artist")
        f.track(s, "Only Song", f.album(s, "One Song", solo, released=date(2026, 1, 2)), [solo])
    with serve(container) as server:
        yield server
    container.close()


def test_sign_in_says_who_resets_a_forgotten_password(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 390, "height": 844})
    page.goto(live.base_url + "/")
    page.click("form.login summary:text('Forgot your password?')")
    said = page.locator("form.login .forgot-password p")
    assert said.is_visible()
    text = said.inner_text()
    assert "administrator" in text and "sends no e-mail" in text
    assert said.locator("code").inner_text() == "encore user set-password USERNAME"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the command wraps on a phone


def _until(page: Page, done: Callable[[], bool]) -> None:
    """Wait for what Playwright's events record (they arrive while the page waits), for 30 s at most."""
    for _ in range(600):
        if done():
            return
        page.wait_for_timeout(50)
    raise AssertionError("never happened")


def test_leaving_mid_upload_asks_first_and_says_what_never_arrived(live: LiveServer, browser: Browser) -> None:
    page = _page(browser)
    sign_in(page, live.base_url, "label", PW, "/label")
    page.wait_for_selector(".label-upload")
    held: list[Route] = []  # the uploads are held here, so the queue is mid-way for as long as the test needs
    page.route("**/uploads", lambda route: held.append(route))  # noqa: PLW0108 - Playwright refuses a builtin method
    asked: list[str] = []

    def answer(accept: bool) -> Callable[[Dialog], None]:
        def said(dialog: Dialog) -> None:
            asked.append(dialog.type)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        return said

    page.once("dialog", answer(False))
    files = [{"name": f"d1t{i}.flac", "mimeType": "audio/flac", "buffer": b"fLaC"} for i in (1, 2, 3)]
    page.set_input_files(".label-upload input[type=file]", files=files)
    page.click(".label-upload button")
    _until(page, lambda: len(held) == 1)
    page.close(run_before_unload=True)  # the tab closed: the browser asks, and the label stays
    _until(page, lambda: len(asked) == 1)
    assert asked == ["beforeunload"] and not page.is_closed()

    imported = '{"imported": 1, "updated": 0, "duplicates": 0, "failed": [], "warnings": []}'
    held[0].fulfill(status=200, content_type="application/json", body=imported)
    _until(page, lambda: len(held) == 2)
    page.once("dialog", answer(True))
    page.reload()  # asked again, and left: the second file is in flight, the third never sent
    assert asked == ["beforeunload", "beforeunload"]
    note = page.locator(".label-upload .form-status")
    note.wait_for()
    assert note.inner_text() == (
        "Your last upload stopped when the page was left: 1 of 3 files uploaded; not confirmed: d1t2.flac, "
        "d1t3.flac. Choose those files again and upload them (one already here counts as a duplicate)."
    )

    page.set_input_files(".label-upload input[type=file]", files=files[2:])
    page.click(".label-upload button")
    _until(page, lambda: len(held) == 3)
    held[2].fulfill(status=200, content_type="application/json", body=imported)
    page.wait_for_selector(".label-upload .form-status:text('Imported 1')")
    page.reload()  # a finished queue: nothing to ask, nothing left to say
    page.wait_for_selector(".label-upload")
    assert asked == ["beforeunload", "beforeunload"]
    assert page.inner_text(".label-upload .form-status") == ""


def test_a_one_track_album_says_track(live: LiveServer, browser: Browser) -> None:
    with live.container.sessions() as s:
        album_id = s.scalars(select(Album.public_id).where(Album.title == "One Song")).one()
    page = _page(browser)
    sign_in(page, live.base_url, "listener", PW, f"/album/{album_id}")
    eyebrow = page.locator(".hero .eyebrow")
    eyebrow.wait_for()
    assert eyebrow.text_content() == "ALBUM · 2026 · 1 track"
