"""The admin screens in real Chromium (/admin): reached from the nav, never raw JSON; Premium granted and
revoked, an account disabled, enabled and deleted, redeem codes made, an ad campaign started from an uploaded spot
and listed with its impressions."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from encore.accounts import Role, create_user, get_user_by_name
from encore.ads import AdCampaign
from encore.billing import Tier, tier_of
from encore.catalog import Track
from encore.db import transaction
from encore.ingest import run_ingest
from tests.ingest import corpus
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.test_first_page_browser import SCREENSHOTS, _page, browser
from tests.web.test_label_browser import _login

__all__ = ["browser"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    container = seeded_container(tmp_path_factory.mktemp("admin"))
    with transaction(container.sessions) as s:
        create_user(s, username="root", password="root-pass-1234", role=Role.ADMIN)
        create_user(s, username="fan", password="listener-pass-1", display_name="Big Fan")
    with serve(container) as server:
        yield server
    container.close()


def _tier(live: LiveServer, username: str) -> Tier:
    with live.container.sessions() as s:
        user = get_user_by_name(s, username=username)
        assert user is not None
        return tier_of(s, user_id=user.id, now=live.container.clock.now())


def _active(live: LiveServer, username: str) -> bool:
    with live.container.sessions() as s:
        user = get_user_by_name(s, username=username)
        return user is not None and user.is_active


def test_admin_screens(live: LiveServer, browser: Browser, tmp_path: Path) -> None:
    # A browser asking for /admin gets the player, not JSON; listeners see no admin link and no admin page.
    shell = httpx.get(f"{live.base_url}/admin", headers={"Accept": "text/html"})
    assert shell.status_code == 200 and shell.headers["content-type"].startswith("text/html")
    fan = _page(browser, viewport={"width": 1280, "height": 900})
    _login(fan, live, "fan", "listener-pass-1")
    assert fan.locator('#nav a[data-nav="admin"]').count() == 0
    fan.context.close()

    page = _page(browser, viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live, "root", "root-pass-1234")
    page.click('#nav a[data-nav="admin"]')
    page.wait_for_selector('.admin-users tr[data-user="fan"]')

    page.fill("#admin-user-q", "big")  # finds by display name too
    page.click("text=Find")
    page.wait_for_function("() => document.querySelectorAll('.admin-users tbody tr').length === 1")
    page.fill("#admin-grant-days", "14")
    page.click('.admin-users tr[data-user="fan"] button:text("Grant Premium")')
    page.wait_for_selector('.admin-users tr[data-user="fan"] .tier:text("Premium until")')
    assert _tier(live, "fan") == Tier.PREMIUM
    page.once("dialog", lambda d: d.accept())  # "Revoke fan's Premium? It ends now, ..."
    page.click('.admin-users tr[data-user="fan"] button:text("Revoke Premium")')
    page.wait_for_selector('.admin-users tr[data-user="fan"] .tier:text("Free")')
    assert _tier(live, "fan") == Tier.FREE
    page.once("dialog", lambda d: d.accept())  # "Disable fan? ..."
    page.click('.admin-users tr[data-user="fan"] button:text("Disable")')  # probe19 F3: cut a person off
    page.wait_for_selector('.admin-users tr[data-user="fan"] button:text("Enable")')
    assert not _active(live, "fan")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))  # "Enable fan with a new password? ..."
    page.click('.admin-users tr[data-user="fan"] button:text("Enable")')
    page.wait_for_selector('.admin-users tr[data-user="fan"] button:text("Disable")')
    assert _active(live, "fan") and "new password" in asked[0]
    page.wait_for_selector("text=hand them this one-time code out of band")  # fixleft22a: a reset, its code shown

    page.fill("#code-count", "3")
    page.click("text=Make codes")
    page.wait_for_function("() => document.querySelectorAll('.admin-codes code').length === 3")

    # An advertiser's spot: no label tag (a labelled file is that label's release, which never becomes an ad)
    spot = corpus.write_flac(
        tmp_path / "spot.flac", corpus.tone(15.5, 523), title="Café Señor spot", artist="Café Señor"
    )
    page.fill("#advertiser", "Café Señor")
    page.set_input_files("#spot", str(spot))
    page.fill("#genres", "jazz, pop")
    page.fill("#hours", "6-22")
    page.fill("#cap", "3")
    page.click("text=Start campaign")
    row = page.wait_for_selector('.admin-campaigns tr[data-campaign="Café Señor"]', timeout=60_000)
    assert row.query_selector(".impressions").inner_text() == "0 / 10000"
    assert "jazz, pop, 6:00–22:00, ≤ 3/day" in row.inner_text()
    # review32c L5: made, and the admin told at once why it cannot play yet
    status = page.inner_text(".admin-campaign-form + .form-status")
    assert "is on." in status and "Note: no track has the genre 'pop' yet" in status, status  # jazz: it has
    with live.container.sessions() as s:
        campaign = s.scalars(select(AdCampaign)).one()
        assert campaign.freq_cap_per_day == 3 and campaign.hour_from == 6
        assert s.get(Track, campaign.track_id).is_ad  # type: ignore[union-attr]

    # The same spot again: that spot, for a second flight. Sent twice while the first is under way (a double
    # press, or Enter again): one campaign, the button held meanwhile (review28b F6 booked the advertiser twice).
    page.fill("#advertiser", "Second Flight")
    page.set_input_files("#spot", str(spot))
    held = page.evaluate("""() => {
      const form = document.querySelector('.admin-campaign-form'), start = form.querySelector('[type=submit]');
      form.requestSubmit();
      const seen = [start.disabled, start.textContent, form.getAttribute('aria-busy')];
      form.requestSubmit();
      return seen;
    }""")
    assert held == [True, "Starting…", "true"], held
    page.wait_for_selector('.admin-campaigns tr[data-campaign="Second Flight"]', timeout=60_000)
    page.wait_for_selector(".admin-campaign-form [type=submit]:enabled:text('Start campaign')")
    assert page.locator('.admin-campaigns tr[data-campaign="Second Flight"]').count() == 1
    # A listed song's audio sent as the spot (a label's single, a song of the library): the upload refuses it, as
    # music never becomes an ad (review25m F1, review26a L2), and no campaign is made.
    (tmp_path / "music").mkdir()
    song = corpus.write_flac(tmp_path / "music" / "song.flac", corpus.tone(3.0, 330), title="Home Song", artist="Home")
    summary = run_ingest(paths=[song.parent], session_factory=live.container.sessions, store=live.container.store,
                         label_override=None, workers=1, progress=None)  # fmt: skip
    assert summary.imported == 1, summary
    page.fill("#advertiser", "Third Flight")
    page.set_input_files("#spot", str(song))
    page.click("text=Start campaign")
    page.wait_for_selector(".admin-campaign-form + .form-status:text('not a new spot')", timeout=60_000)
    assert page.locator('.admin-campaigns tr[data-campaign="Third Flight"]').count() == 0
    assert page.is_enabled(".admin-campaign-form [type=submit]")  # a refusal gives the button back
    with live.container.sessions() as s:
        flights = s.scalars(select(AdCampaign)).all()
        assert len(flights) == 2 and flights[0].track_id == flights[1].track_id
        assert not s.scalars(select(Track).where(Track.title == "Home Song")).one().is_ad

    assert page.locator("#admin-statements").count() == 1  # the labels' statements are on the same page
    assert "null" not in page.inner_text("#main")
    page.screenshot(path=str(SCREENSHOTS / "admin-1280x900.png"))
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the tables scroll, the page does not
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "admin-390x844.png"))
    assert not errors, errors
    page.context.close()


def test_admin_deletes_an_account_and_a_stopped_one_hears_why_at_log_in(live: LiveServer, browser: Browser) -> None:
    """probe20 F8: the Delete button (after a confirm) runs the owner's own Delete account; probe20 F6: the log-in
    form tells the right password of a disabled account (or one being deleted) why it cannot sign in, and a wrong
    password the generic answer."""
    with transaction(live.container.sessions) as s:
        create_user(s, username="paused", password="paused-pass-12")
        create_user(s, username="leaving", password="leaving-pass-1")
    page = _page(browser, viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live, "root", "root-pass-1234")
    page.click('#nav a[data-nav="admin"]')
    said: list[str] = []
    for name in ("paused", "leaving"):
        page.fill("#admin-user-q", name)
        page.click("text=Find")
        page.wait_for_function(f"() => document.querySelectorAll('.admin-users tbody tr[data-user=\"{name}\"]').length")
        if name == "paused":
            page.once("dialog", lambda d: d.accept())
            page.click('.admin-users tr[data-user="paused"] button:text("Disable")')
            page.wait_for_selector('.admin-users tr[data-user="paused"] button:text("Enable")')
            continue
        page.once("dialog", lambda d: (said.append(d.message), d.dismiss()))  # thought better of it
        page.click('.admin-users tr[data-user="leaving"] button:text("Delete")')
        assert _active(live, "leaving") and "cannot be undone" in said[0]
        page.once("dialog", lambda d: d.accept())
        page.click('.admin-users tr[data-user="leaving"] button:text("Delete")')
        page.wait_for_selector('.admin-users tr[data-user="leaving"] .deleting:text("Being deleted")')
        assert page.locator('.admin-users tr[data-user="leaving"] button:text("Enable")').count() == 0
    assert not _active(live, "leaving") and not _active(live, "paused")
    page.context.close()

    person = _page(browser, viewport={"width": 390, "height": 844})
    person.goto(live.base_url + "/login")
    for name, password, answer in (
        ("paused", "paused-pass-12", "This account is disabled. Contact the server's operator."),
        ("paused", "not-the-password", "wrong username or password"),
        ("leaving", "leaving-pass-1", "This account was deleted and its data is being erased ("),
    ):
        person.fill("#login-user", name)
        person.fill("#login-pass", password)
        person.click("form.login button[type=submit]")
        person.wait_for_function(
            "want => (document.querySelector('form.login .form-error')?.textContent || '').startsWith(want)", arg=answer
        )
        person.fill("#login-pass", "")
        person.evaluate("() => { document.querySelector('form.login .form-error').textContent = ''; }")
    assert not errors, errors
    person.context.close()

    with transaction(live.container.sessions) as s:  # an admin deleting their own account goes to the log-in page
        create_user(s, username="root2", password="root-pass-5678", role=Role.ADMIN)
    own = _page(browser, viewport={"width": 1280, "height": 900})
    _login(own, live, "root2", "root-pass-5678")
    own.click('#nav a[data-nav="admin"]')
    own.fill("#admin-user-q", "root2")
    own.click("text=Find")
    own.wait_for_function("() => document.querySelectorAll('.admin-users tbody tr').length === 1")
    own.once("dialog", lambda d: d.accept())
    own.click('.admin-users tr[data-user="root2"] button:text("Delete")')
    own.wait_for_url(f"{live.base_url}/login?next=%2Fadmin")  # the in-app log-in view, asking to come back
    own.wait_for_selector("form.login")
    assert not _active(live, "root2")
    own.context.close()


def test_admin_finds_a_name_by_the_tag_shown_beside_it_and_shows_the_tag(live: LiveServer, browser: Browser) -> None:
    """review30b L2: "Mara (rwhC)", the owner a Subsonic app shows for one of two "Mara"s, found nothing, nor did its
    tag alone, the table had no tag to tell the two apart, and "zoe" did not find "Zoë"."""
    with transaction(live.container.sessions) as s:
        create_user(s, username="root3", password="root-pass-9012", role=Role.ADMIN)
        for login, name, tag in (("mara1", "Mara", "rwhC"), ("mara2", "Mara", "Qp7z"), ("zoe1", "Zoë", "Zz01")):
            user = create_user(s, username=login, password="listener-pass-1", display_name=name)
            user.public_id = tag + user.public_id[4:]  # a known tag
    page = _page(browser, viewport={"width": 1280, "height": 900})
    _login(page, live, "root3", "root-pass-9012")
    page.click('#nav a[data-nav="admin"]')
    page.wait_for_selector('.admin-users tr[data-user="root3"]')  # the first list, of every account, is drawn
    rows = ".admin-users tbody tr"

    def find(query: str) -> list[str]:
        page.fill("#admin-user-q", query)
        page.evaluate("() => { window.__rows = document.querySelector('.admin-users tbody').firstElementChild; }")
        page.click("text=Find")
        page.wait_for_function(
            "() => document.querySelector('.admin-users tbody').firstElementChild !== window.__rows"
        )  # the table drawn again for this query
        return [page.locator(rows).nth(n).inner_text().split("\t")[0] for n in range(page.locator(rows).count())]

    assert find("Mara") == ["Mara (rwhC)", "Mara (Qp7z)"]  # two Maras, told apart by their tags
    assert find("Mara (rwhC)") == ["Mara (rwhC)"]
    assert page.locator(f'{rows}[data-user="mara1"]').count() == 1
    assert find("Qp7z") == ["Mara (Qp7z)"]
    assert page.locator(f'{rows}[data-user="mara2"]').count() == 1
    assert find("zoe") == ["Zoë (Zz01)"]
    page.context.close()
