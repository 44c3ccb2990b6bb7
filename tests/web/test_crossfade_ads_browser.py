"""Crossfade on the free tier in real Chromium: tracks fade into each other, but the ad break the server
asks for is never faded into or out of music: nothing plays under the ad, and it is heard to its end (the
server counts the impression only then)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from encore import ads
from encore.accounts import create_user
from encore.ads import AdCampaign
from encore.catalog import Track
from encore.db import transaction
from encore.demo import DemoSpec, plan_catalogue, write_demo_library
from encore.ingest import run_ingest
from tests.support.live import LiveServer, first_album_id, seed_small_catalogue, serve
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Observes the page from outside the app: did the second element play while the ad overlay was up?
WATCH = """
window.__overlap = false;
document.addEventListener('DOMContentLoaded', () => {
  const check = () => {
    const overlay = document.querySelector('#ad-break');
    const other = document.querySelector('#audio-next');
    if (overlay && !overlay.hidden && other && !other.paused) window.__overlap = true;
  };
  document.addEventListener('timeupdate', check, true);
  document.addEventListener('play', check, true);
});
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from encore.bootstrap import build
    from encore.config import Settings

    work = tmp_path_factory.mktemp("xfade-ads")
    settings = Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db", ad_interval_s=10)
    container = build(settings)
    container.migrate()
    seed_small_catalogue(container, work, tracks=8, albums=2, seconds=(4.0, 5.0))
    spot = DemoSpec(artists=2, albums=1, tracks=1, min_track_s=3.0, max_track_s=3.2, seed=5)
    write_demo_library(plan_catalogue(spot), work / "ads", workers=1)
    run_ingest(paths=[work / "ads"], session_factory=container.sessions, store=container.store,
               label_override=None, workers=1, progress=None)  # fmt: skip
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
        ad = s.scalars(select(Track).order_by(Track.duration_ms)).first()
        assert ad is not None and ad.duration_ms < 3500
        ads.create_campaign(
            s, advertiser="Acme Coffee", track_id=ad.public_id, starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30), budget_impressions=100, cpm_cents=2000, genres=[], hour_from=None,
            hour_to=None, freq_cap_per_day=50,
        )  # fmt: skip
    with serve(container) as server:
        yield server
    container.close()


def test_a_free_listeners_ad_is_never_crossfaded(live: LiveServer, browser: Browser) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    page.add_init_script(WATCH)
    page.add_init_script("localStorage.setItem('encore.crossfade.v1', '3')")
    _login(page, live, f"/album/{first_album_id(live.container)}")
    page.wait_for_selector("#main .track-play")
    page.click("#btn-repeat")  # repeat all: the album loops until 10 s of music make an ad break due
    page.wait_for_selector("#btn-repeat[data-mode=all]")
    page.locator("#main .track-play").first.click()
    page.wait_for_function("document.querySelector('#player').dataset.crossfading === 'true'", timeout=20000)
    page.wait_for_function("!document.querySelector('#ad-break').hidden", timeout=60000)  # the break comes
    page.wait_for_function("document.querySelector('#ad-break').hidden", timeout=30000)  # and is heard out
    page.wait_for_function("document.querySelector('#audio').currentTime > 0.3", timeout=15000)  # music again
    assert page.evaluate("window.__overlap") is False
    with live.container.sessions() as s:
        assert s.scalar(select(AdCampaign.impressions)) == 1  # counted: it lasted its length on the server's clock
    page.context.close()
