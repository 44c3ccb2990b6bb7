"""Dead ends in the web pages that probe24b found (session 24), in real Chromium.

F3: the sign-in page offered no way forward from a forgotten password. Encore sends no mail, so the page now says
who can reset one (the server's administrator) and the command they use.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from encore.accounts import Role, create_user
from encore.catalog import Album
from encore.db import transaction
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "label-pass-1234"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A label account (`label`) on the first album's label."""
    container = seeded_container(tmp_path_factory.mktemp("dead-ends24"))
    with transaction(container.sessions) as s:
        album = s.scalars(select(Album).where(Album.label_id.is_not(None)).order_by(Album.id)).first()
        assert album is not None
        create_user(s, username="label", password=PW, role=Role.LABEL).label_id = album.label_id
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
