"""Dead ends in the web player that probe19 found (session 19), in real Chromium.

F1: a listener who paid by card had no way to manage or cancel it. The account page showed "Premium, renews or
ends …" and nothing else, and deleting the account was refused with "cancel it in Manage subscription", a button
that did not exist. Now a card subscription has a Manage subscription button. It asks the server for Stripe's
billing portal (here the offline stub, with a hosted page over TLS) and follows the link. When Stripe is down, it
says so. Both refusals name the button and where it is.

F2: a track whose release the label withdrew stopped the music. In a playlist [A, withdrawn, B], the player
asked for the withdrawn track twice, got 404, threw `no such track` and never asked for B. Now it says so once
and plays B. A queue where no track can play stops with a word, even on repeat, instead of looping.
"""

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route
from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import billing, labels, library
from encore.accounts import create_user
from encore.billing import BillingCustomer
from encore.catalog import Album, Track
from encore.db import transaction
from tests.support.live import LiveServer, seeded_container, serve
from tests.support.stripe_stub import HostedCheckout, StubStripe, running
from tests.web.test_first_page_browser import _page, browser
from tests.web.test_stripe_api import sign, sub_event

__all__ = ["browser"]
pytestmark = pytest.mark.browser
PW = "listener-pass-1"
MANAGE = "Settings → Manage subscription"

# Every text the toast region showed, in order, so a notice that came and went is still seen.
RECORD_TOASTS = """() => {
  window.__toasts = [];
  const box = document.querySelector('#toast');
  new MutationObserver(() => { if (box.textContent) window.__toasts.push(box.textContent); })
    .observe(box, {childList: true, subtree: true, characterData: true});
}"""
PLAYING = "[...document.querySelectorAll('#audio, #audio-next')].some(a => !a.paused && a.currentTime > 0.3)"
ALL_PAUSED = "[...document.querySelectorAll('#audio, #audio-next')].every(a => a.paused)"


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedCheckout]:
    with running(HostedCheckout(tmp_path_factory.mktemp("tls"))) as page:
        yield page


@pytest.fixture(scope="module")
def stripe(hosted: HostedCheckout) -> Iterator[StubStripe]:
    with running(StubStripe(portal_url=f"{hosted.base_url}/p/portal_1")) as stub:
        yield stub


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, stripe: StubStripe) -> Iterator[LiveServer]:
    """A card subscriber (`cardholder`, made one by Stripe's signed webhook), and a Premium listener (`fan`, no
    ads) with the playlists "Through" [A, withdrawn, B, withdrawn 2] and "Gone" [withdrawn, withdrawn 2]."""
    container = seeded_container(tmp_path_factory.mktemp("dead-ends19"), stripe.settings())
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        card = create_user(s, username="cardholder", password=PW, display_name="Card Holder")
        s.add(BillingCustomer(user_id=card.id, provider="stripe", customer_id="cus_card"))
        fan = create_user(s, username="fan", password=PW, display_name="Fan")
        billing.grant_premium(s, user_public_id=fan.public_id, plan=container.settings.premium_plan, days=30, now=now)
        albums = s.scalars(select(Album).where(Album.label_id.is_not(None)).order_by(Album.id)).all()
        assert len(albums) >= 3
        first, gone, third = (_track_ids(s, album) for album in albums[:3])
        through = library.create_playlist(s, owner_id=fan.id, name="Through", now=now)
        ids = [first[0], gone[0], third[0], gone[1]]
        library.add_to_playlist(s, playlist_id=through.id, user_id=fan.id, track_ids=ids, now=now)
        lost = library.create_playlist(s, owner_id=fan.id, name="Gone", now=now)
        library.add_to_playlist(s, playlist_id=lost.id, user_id=fan.id, track_ids=ids[1::2], now=now)
        liked = [albums[0].public_id, albums[1].public_id]
        library.save_items(s, user_id=fan.id, kind="album", ids=liked, now=now)
        assert albums[1].label_id is not None
        labels.withdraw(s, label_id=albums[1].label_id, album_id=albums[1].public_id)
    with serve(container) as server:
        hook = sub_event("evt_card_1", "cus_card", "active", created=int(time.time()))
        r = httpx.post(f"{server.base_url}/api/webhooks/stripe", content=hook, headers={"Stripe-Signature": sign(hook)})
        assert r.status_code == 200, r.text
        yield server
    container.close()


def _track_ids(s: Session, album: Album) -> list[str]:
    return list(s.scalars(select(Track.public_id).where(Track.album_id == album.id).order_by(Track.id)))


def _login(page: Page, live: LiveServer, user: str, path: str) -> None:
    page.goto(live.base_url + path)
    page.wait_for_selector("form.login")
    page.fill("#login-user", user)
    page.fill("#login-pass", PW)
    page.click("form.login button[type=submit]")


def _post(page: Page, path: str, body: dict[str, str]) -> tuple[int, str]:
    answer: list[object] = page.evaluate(
        """async ([path, body]) => {
          const headers = {"X-Encore-CSRF": "1", "Content-Type": "application/json"};
          const r = await fetch(path, {method: "POST", headers, body: JSON.stringify(body)});
          return [r.status, (await r.json()).error?.message || ""];
        }""",
        [path, body],
    )
    return int(str(answer[0])), str(answer[1])


def test_a_card_subscriber_manages_it_in_stripes_portal_and_an_outage_is_said(
    live: LiveServer, browser: Browser, stripe: StubStripe, hosted: HostedCheckout
) -> None:
    page = _page(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, ignore_https_errors=True
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live, "cardholder", "/upgrade")
    page.wait_for_selector("#sub-state:text-matches('Premium, renews or ends')")
    assert page.locator("#btn-manage-sub").count() == 1  # on the upgrade page too
    # The refusals send the listener to that button, by its name and place.
    status, said = _post(page, "/api/me/delete-account", {"password": PW})
    assert status == 409 and MANAGE in said, said
    status, said = _post(page, "/api/me/subscription/checkout", {})
    assert status == 409 and MANAGE in said, said
    page.click("#main a[href='/settings']")  # "Your account page"
    page.wait_for_selector("#account-sub:text-matches('Premium, renews or ends')")
    stripe.fail = True  # Stripe is down: said, and the listener stays on the page
    try:
        page.click("#btn-manage-sub")
        page.wait_for_selector('#manage-sub-msg:text-matches("billing portal can\'t be reached")')
    finally:
        stripe.fail = False
    assert page.url.endswith("/settings") and hosted.opened == []
    page.click("#btn-manage-sub")
    page.wait_for_url(f"{hosted.base_url}/p/portal_1")
    assert hosted.opened[0] == "/p/portal_1"
    sent = [body for path, body, _ in stripe.requests if path == "/v1/billing_portal/sessions"]
    assert sent[-1]["customer"] == ["cus_card"]
    assert errors == []
    page.close()


def test_a_withdrawn_track_mid_playlist_is_said_once_and_the_next_one_plays(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/stream") and r.method == "POST" else None)
    # With a crossfade, a refused next track must not be faded into: there is no audio behind it.
    page.add_init_script("localStorage.setItem('encore.crossfade.v1', '4')")
    _login(page, live, "fan", "/library")
    # A liked album its label withdrew is said on its card and is not a link to a page that is gone (a 404).
    gone = page.locator("#saved-albums .saved-item").nth(0)
    gone.locator(".card.unavailable").wait_for()
    assert "No longer available" in gone.inner_text() and gone.locator("a").count() == 0
    assert page.locator("#saved-albums .saved-item").nth(1).locator("a.card").count() == 1
    page.click(".card[aria-label='Through']")
    page.wait_for_selector("#main ol.tracks > li[data-track-id]")
    page.evaluate(RECORD_TOASTS)
    ids: list[str] = page.evaluate("[...document.querySelectorAll('#main ol.tracks > li')].map(e => e.dataset.trackId)")
    titles: list[str] = page.evaluate("[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)")
    page.click(".hero-actions .big-play")
    page.wait_for_function(PLAYING, timeout=15000)
    assert page.inner_text("#np-title") == titles[0]
    page.evaluate("(() => { const a = document.querySelector('#audio'); a.currentTime = a.duration - 3; })()")
    # A ends; the withdrawn track is said and skipped; B plays.
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[2]!r}", timeout=20000)
    page.wait_for_function(PLAYING, timeout=15000)
    toasts: list[str] = page.evaluate("window.__toasts")
    assert f"{titles[1]} isn't available any more: skipped" in toasts, toasts
    assert sum(url.endswith(f"/tracks/{ids[1]}/stream") for url in asked) <= 1  # asked once (or not at all)
    assert page.locator(f"#main li.unavailable[data-track-id='{ids[1]}'] .track-play[disabled]").count() == 1
    assert "Unavailable" in page.inner_text(f"#main li[data-track-id='{ids[1]}']")
    # B ends on the last track, withdrawn too: the music stops with a word, and nothing is asked again.
    page.evaluate("(() => { const a = document.querySelector('#audio'); a.currentTime = a.duration - 3; })()")
    page.wait_for_function(
        f"window.__toasts.some(t => t.includes({titles[3]!r}) && t.includes('nothing more to play'))", timeout=20000
    )
    page.wait_for_function(ALL_PAUSED)
    assert page.inner_text("#np-title") == titles[3]
    assert errors == []
    page.close()


def test_an_unplayable_track_is_greyed_and_a_queue_where_nothing_plays_stops_even_on_repeat(
    live: LiveServer, browser: Browser
) -> None:
    """The list API's `playable: false` (absent means playable; here set on the first track on its way to the
    page) greys the row and no click starts it; the second is refused when asked (404) unless the API marks it."""
    # The service worker fetches the library's lists itself, where page.route cannot see them: blocked here.
    page = _page(browser, viewport={"width": 1280, "height": 800}, service_workers="block")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/stream") and r.method == "POST" else None)

    def first_unplayable(route: Route) -> None:
        body = route.fetch().json()
        body["items"][0]["track"]["playable"] = False
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(re.compile(r"/api/playlists/\w+/items\?"), first_unplayable)
    _login(page, live, "fan", "/library")
    page.click(".card[aria-label='Gone']")
    rows = page.locator("#main ol.tracks > li[data-track-id]")
    rows.first.locator(".unavailable-badge").wait_for()
    ids: list[str] = page.evaluate("[...document.querySelectorAll('#main ol.tracks > li')].map(e => e.dataset.trackId)")
    assert rows.first.locator(".track-play").is_disabled() and rows.first.inner_text().count("Unavailable") == 1
    rows.first.locator(".track-play").click(force=True)  # a click would have put it in the bar at once
    assert page.inner_text("#np-title") == "Nothing playing"
    page.evaluate(RECORD_TOASTS)
    page.click("#btn-repeat")  # repeat all: a queue of tracks that cannot play would go round for ever
    assert page.get_attribute("#btn-repeat", "data-mode") == "all"
    page.click(".hero-actions .big-play")
    page.wait_for_function(
        "window.__toasts.includes('None of the tracks in the queue is available any more.')", timeout=15000
    )
    assert page.evaluate(ALL_PAUSED)
    assert rows.nth(1).locator(".track-play[disabled] .unavailable-badge").count() == 1  # greyed once found
    assert not any(ids[0] in url for url in asked)  # the list said so: never asked
    assert sum(ids[1] in url for url in asked) <= 1  # asked once (none once the API marks it too)
    assert errors == []
    page.close()
