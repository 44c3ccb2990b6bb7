"""An ad is never crossfaded, in real Chromium: a free listener with crossfade on (3 s) plays short tracks (shorter
than the player's prefetch window: each next URL is fetched during a fade, which once cut the fading track off
and left the player silent) until the server says an ad break is due. While the ad plays no music sounds under it
(the other element is paused, no fade is running) and its volume never ramps; it plays to its end and counts
once; the music after it starts at its own volume, not faded in from the ad."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from encore import ads, playback
from encore.accounts import create_user
from encore.ads import AdCampaign
from encore.catalog import Track
from encore.db import transaction
from encore.demo import DemoSpec, plan_catalogue, write_demo_library
from encore.ingest import run_ingest
from tests.support.browser import FAST_AUDIO
from tests.support.live import LiveServer, first_album_id, seed_small_catalogue, serve
from tests.support.migrate import migrated_sqlite
from tests.web.test_first_page_browser import _login, _page, browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser

# Samples both audio elements on every timeupdate (capture phase: media events do not bubble) while the
# ad overlay shows, and the first two of the music after it. The ids follow the elements as they swap.
_RECORD = """
localStorage.setItem("encore.crossfade.v1", "3");
window.__ad = { during: [], ended: false, after: [] };
const sample = () => {
  const a = document.querySelector("#audio"), b = document.querySelector("#audio-next");
  const player = document.querySelector("#player");
  return { t: a.currentTime, d: a.duration, vol: a.volume, otherPlaying: !!b && !b.paused,
           fading: player ? player.dataset.crossfading || null : null };
};
document.addEventListener("timeupdate", (ev) => {
  const overlay = document.querySelector("#ad-break");
  if (!overlay) return;
  if (!overlay.hidden) window.__ad.during.push(sample());
  else if (window.__ad.during.length && window.__ad.after.length < 2 && ev.target.id === "audio") {
    window.__ad.after.push(sample());
  }
}, true);
document.addEventListener("ended", () => {
  const overlay = document.querySelector("#ad-break");
  if (overlay && !overlay.hidden) window.__ad.ended = true;
}, true);
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    from encore.bootstrap import build
    from encore.config import Settings

    work = tmp_path_factory.mktemp("fade-ads")
    settings = Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db", ad_interval_s=10)
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(settings)
    container.migrate()
    seed_small_catalogue(container, work, tracks=6, albums=2, seconds=(4.0, 5.0))  # an ad is due within a few
    spot = DemoSpec(artists=2, albums=1, tracks=1, min_track_s=5.0, max_track_s=5.5, seed=5)
    planned = plan_catalogue(spot)  # an advertiser's spot has no label: a label's release never becomes an ad
    unlabelled = [replace(a, label=None, label_kind=None) for a in planned.albums]
    write_demo_library(replace(planned, albums=unlabelled), work / "ads", workers=1)
    run_ingest(paths=[work / "ads"], session_factory=container.sessions, store=container.store,
               label_override=None, workers=1, progress=None, as_ad=ads.mark_spot)  # fmt: skip
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
        ad = s.scalars(select(Track).order_by(Track.id.desc())).first()  # the spot: ingested last
        assert ad is not None and ad.duration_ms >= 5000
        ads.create_campaign(s, advertiser="Acme Coffee", track_id=ad.public_id, starts_at=now - timedelta(days=1),
                            ends_at=now + timedelta(days=30), budget_impressions=100, cpm_cents=2000, genres=[],
                            hour_from=None, hour_to=None, freq_cap_per_day=50,
                            heard_as_music=playback.heard_as_music)  # fmt: skip
    with serve(container) as server:
        yield server
    container.close()


def _impressions(live: LiveServer) -> int:
    with live.container.sessions() as s:
        return int(s.scalar(select(AdCampaign.impressions)) or 0)


def test_an_ad_due_with_crossfade_on_plays_whole_and_nothing_fades_into_or_out_of_it(
    live: LiveServer, browser: Browser
) -> None:
    page = _page(browser, viewport={"width": 1280, "height": 800})
    page.add_init_script(_RECORD)
    page.add_init_script(FAST_AUDIO)  # the music until the ad is due, the ad and the music after it, at 2x
    before = _impressions(live)
    _login(page, live, f"/album/{first_album_id(live.container)}")
    page.wait_for_selector("#main .track-play")
    page.locator("#main .track-play").first.click()
    page.click("#btn-repeat")  # the album plays round until the server wants an ad
    assert page.get_attribute("#btn-repeat", "data-mode") == "all"
    page.wait_for_selector("#ad-break:not([hidden])", timeout=90000)
    page.wait_for_selector("#ad-break", state="hidden", timeout=30000)
    page.wait_for_function("window.__ad.after.length === 2", timeout=30000)
    record = page.evaluate("window.__ad")
    during = record["during"]
    assert during, "the ad was sampled while it played"
    assert all(not s["otherPlaying"] and s["fading"] is None for s in during), during  # no music under the ad
    assert len({s["vol"] for s in during}) == 1 and during[0]["vol"] > 0, during  # its volume never ramps
    assert record["ended"] and max(s["t"] for s in during) >= during[-1]["d"] - 0.5, during  # played whole
    after = record["after"]
    assert all(s["fading"] is None and not s["otherPlaying"] for s in after), after
    assert after[0]["vol"] == after[1]["vol"] > 0, after  # the music after it starts at its volume
    assert _impressions(live) == before + 1
    page.context.close()
