"""A label's release in real Chromium, on desktop (1280x800) and phone (390x844): upload -> the draft's
form -> a refused field says why next to it -> publish -> a listener finds it -> withdraw -> gone."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from encore.accounts import Role, create_user
from encore.catalog import Album
from encore.db import transaction
from encore.demo import DemoSpec, plan_catalogue, write_demo_library
from tests.ingest import corpus as c
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import SCREENSHOTS, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    container = seeded_container(tmp_path_factory.mktemp("drafts"))
    with transaction(container.sessions) as s:
        album = s.scalars(select(Album).where(Album.label_id.is_not(None)).order_by(Album.id)).first()
        assert album is not None
        create_user(s, username="label", password="label-pass-123", role=Role.LABEL).label_id = album.label_id
        create_user(s, username="listener", password="listener-pass-1")
    with serve(container) as server:
        yield server
    container.close()


def _login(page: Page, live: LiveServer, user: str, password: str, path: str = "/") -> None:
    page.goto(live.base_url + path)
    page.wait_for_selector("form.login")
    page.fill("#login-user", user)
    page.fill("#login-pass", password)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#account .who")


def _listener_sees(browser: Browser, live: LiveServer, album_id: str, title: str) -> bool:
    page = _page(browser)
    _login(page, live, "listener", "listener-pass-1", f"/album/{album_id}")
    page.wait_for_selector(f"#main h1:text-is('{title}'), #main :text('Not found')")
    seen = page.locator("#main h1", has_text=title).count() == 1
    page.context.close()
    return seen


@pytest.mark.parametrize(("width", "height", "seed"), [(1280, 800, 1801), (390, 844, 1802)])
def test_upload_form_publish_withdraw(
    live: LiveServer, browser: Browser, tmp_path: Path, width: int, height: int, seed: int
) -> None:
    spec = DemoSpec(artists=1, albums=1, tracks=1, min_track_s=3.0, max_track_s=4.0, seed=seed)
    upload = write_demo_library(plan_catalogue(spec), tmp_path / "release", workers=1)[0]
    page = _page(browser, viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live, "label", "label-pass-123", "/label")  # the account name shows on a desktop only
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_selector(".label-upload")
    page.set_input_files(".label-upload input[type=file]", str(upload))
    page.click(".label-upload button")
    page.wait_for_selector(".label-upload .form-status:text('as a draft')")
    draft = page.locator(".label-album:has(.release-draft)").last
    draft.wait_for()
    album_id = draft.get_attribute("data-album")
    assert album_id is not None
    title = f"Night Ferry {width}"
    draft.locator("input[id$='-title']").first.fill(title)
    draft.locator("input[type=date]").fill("2026-11-20")
    isrc = draft.locator("input[data-track-isrc]")
    isrc.fill("NOT-AN-ISRC")
    draft.locator(".release-publish").click()
    error = draft.locator(".field-error")
    error.wait_for()
    assert error.inner_text().startswith("An ISRC is 12")
    assert isrc.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # the form fits the phone
    page.screenshot(path=str(SCREENSHOTS / f"label-draft-{width}x{height}.png"))
    assert not _listener_sees(browser, live, album_id, title)

    isrc.fill(f"GBXYZ26{seed:05d}")
    draft.locator(".release-publish").click()
    block = page.locator(f'.label-album[data-album="{album_id}"]')
    block.locator(".album-status:text('Published')").wait_for()
    assert block.locator(".release-badge").inner_text() == "Published"
    assert _listener_sees(browser, live, album_id, title)

    # probe22 F3: a published release's cover is replaced from its own block (the draft form is gone)
    before = block.locator("img.release-cover").get_attribute("src")  # the demo's files carry their artwork
    cover = tmp_path / "cover.png"
    Image.new("RGB", (64, 64), (30, 140, 90)).save(cover)
    block.locator(".release-cover-edit input[type=file]").set_input_files(str(cover))
    block.locator(".release-cover-send").click()
    block.locator(".album-status:text('Cover saved')").wait_for()
    after = block.locator("img.release-cover").get_attribute("src") or ""
    assert after.startswith("/art/") and after != before
    assert block.locator(".release-cover-send").inner_text() == "Replace cover"
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.once("dialog", lambda d: d.accept())
    block.locator(".release-withdraw").click()
    block.locator(".album-status:text('Withdrawn')").wait_for()
    assert not _listener_sees(browser, live, album_id, title)
    with live.container.sessions() as s:
        assert s.scalar(select(Album.status).where(Album.public_id == album_id)) == "withdrawn"
    assert not errors, errors
    page.context.close()


def test_the_form_numbers_tracks_and_publish_names_a_shared_number(
    live: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    """probe23 F4: untagged masters were all track 1 and the form had no number to change; now the name numbers
    them where it can, and a shared number is refused at publish next to both tracks."""
    files = [c.write_wav(tmp_path / f"{name}.wav", c.tone(1.0, freq)) for name, freq in (("Dawn", 410), ("Dusk", 530))]
    width = 390
    page = _page(browser, viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live, "label", "label-pass-123", "/label")
    page.set_viewport_size({"width": width, "height": 844})
    page.set_input_files(".label-upload input[type=file]", [str(f) for f in files])
    page.click(".label-upload button")
    page.wait_for_selector(".label-upload .form-status:text('Imported 2 as a draft')")
    draft = page.locator(".label-album:has(.release-draft)").last
    draft.wait_for()
    draft.locator("input[id$='-title']").first.fill("Two Lights")
    draft.locator("input[id$='-artists']").fill("Lamp Choir")
    draft.locator("input[type=date]").fill("2026-11-20")
    numbers = draft.locator("input[data-track-number]")
    assert [numbers.nth(i).input_value() for i in range(2)] == ["1", "1"]
    draft.locator(".release-publish").click()
    draft.locator(".field-error").first.wait_for()
    said = [e.inner_text() for e in draft.locator(".field-error").all()]
    assert said == ["“Dawn” and “Dusk” are both track 1: give each track its own number."] * 2, said
    assert all(numbers.nth(i).get_attribute("aria-invalid") == "true" for i in range(2))
    assert draft.locator("input[data-track-disc]").count() == 2  # a shared number may be two discs (review23n F5)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SCREENSHOTS / f"label-draft-numbers-{width}x844.png"))

    numbers.nth(1).fill("0")
    draft.locator(".release-save").click()
    draft.locator(".field-error:text('A track number is a whole number from 1 to 999.')").wait_for()
    numbers.nth(1).fill("2")
    draft.locator(".release-publish").click()
    block = page.locator(".label-album:has(.release-badge:text('Published'))", has_text="Two Lights")
    block.locator(".album-status:text('Published')").wait_for()
    assert block.locator(".track-title").all_inner_texts() == ["1. Dawn", "2. Dusk"]
    assert not errors, errors
    page.context.close()
