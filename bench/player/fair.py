"""The fair free tier in Debian's Chromium (issue #14): what a free listener is charged against what they heard.

    PYTHONPATH=src:. .venv/bin/python -m bench.player.fair [--interval 90] [--skips 5] [--seeks 20]

Three runs against throwaway dev servers (SQLite, demo tracks through real ingest, uvicorn on 127.0.0.1), each
a free account in a fresh Chromium context, as tests/web/test_fair_tier_browser.py sets them up:

- **skip**: 45-48 s tracks; the listener skips every track 5 s in. Reported: what the ad clock charged each
  skipped track (target ≤ 30 s).
- **straight**: the listener plays an album straight through. The product's interval (1,800 s, 30 min) is
  scaled down 20x to `--interval` 90 s, and the tracks with it (6-7 s, a 2-2.3 min song scaled alike), so a
  track boundary (where an ad can start) falls within 10% of any point. Reported: the audio the page played
  before the ad break appeared, against the interval (target within ±10%).
- **seek**: 45-48 s tracks; the listener seeks to random points of the playing track. Reported: p50/p95 from
  setting `currentTime` to the audio advancing past the target (target 300 ms).

Wall times inside the page (performance.now()); a loaded machine inflates them, so record `uptime` with them.
"""

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import select
from tests.support.ads import ingest_spot
from tests.support.browser import PLAYED_5_S, REMEMBER_PLAYING
from tests.support.live import LiveServer, first_album_id, seed_small_catalogue, serve

from bench.player.run import ARGS, CHROMIUM, pct
from encore import ads, playback
from encore.accounts import User, create_user
from encore.bootstrap import build
from encore.catalog import Track
from encore.config import Settings
from encore.db import transaction

PRODUCT_INTERVAL_S = 1800  # Settings.ad_interval outside demo mode

# Audio the page played: every media element's currentTime moving forward in small steps (a seek is not play).
HEARD = """
window.__heard = 0;
document.addEventListener('timeupdate', (e) => {
  const a = e.target;
  if (!(a instanceof HTMLMediaElement) || a.closest('#ad-break')) return;
  const d = a.currentTime - (a.__t ?? a.currentTime);
  a.__t = a.currentTime;
  if (d > 0 && d < 1.5) window.__heard += d;
}, true);
"""

SEEK = """async (to) => {
  const a = document.querySelector('#audio');
  const t0 = performance.now();
  const done = new Promise((resolve) => {
    const on = () => { if (a.currentTime > to + 0.05 && !a.paused) { a.removeEventListener('timeupdate', on); resolve(performance.now()); } };
    a.addEventListener('timeupdate', on);
  });
  a.currentTime = to;
  return (await done) - t0;
}"""


@contextmanager
def _server(work: Path, *, interval_s: int, seconds: tuple[float, float], tracks: int) -> Iterator[LiveServer]:
    settings = Settings(
        mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db", ad_interval_s=interval_s
    )
    container = build(settings)
    container.migrate()
    seed_small_catalogue(container, work, tracks=tracks, albums=2, seconds=seconds)  # the first album is played
    # The ad: a 5 s spot made by the demo generator, ingested like any audio (as tests/web/test_player_ads_browser).
    ingest_spot(container, work / "ads")
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password="listener-pass-1", display_name="Listener")  # noqa: S106
        ad = s.scalars(select(Track).order_by(Track.duration_ms)).first()
        assert ad is not None
        ads.create_campaign(
            s,
            advertiser="Bench Coffee",
            track_id=ad.public_id,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30),
            budget_impressions=1000,
            cpm_cents=2000,
            genres=[],
            hour_from=None,
            hour_to=None,
            freq_cap_per_day=500,
            heard_as_music=playback.heard_as_music,
        )
    try:
        with serve(container) as server:
            yield server
    finally:
        container.close()


def _page(browser: Browser, live: LiveServer) -> Page:
    page = browser.new_context(bypass_csp=True).new_page()
    page.add_init_script(HEARD)
    page.goto(live.base_url + f"/album/{first_album_id(live.container)}")
    page.wait_for_selector("form.login")
    page.fill("#login-user", "listener")
    page.fill("#login-pass", "listener-pass-1")
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#main .track-play")
    return page


def _charged(live: LiveServer) -> list[int]:
    with live.container.sessions() as s:
        user_id = s.scalars(select(User.id).where(User.username == "listener")).one()
    return list(live.container.ad_clocks.charged_plays(user_id).values())


def skip_run(browser: Browser, live: LiveServer, skips: int) -> tuple[list[int], list[float]]:
    page = _page(browser, live)
    titles: list[str] = page.evaluate("[...document.querySelectorAll('#main .track-title')].map(e => e.textContent)")
    titles = titles[: skips + 1]
    page.locator("#main .track-play").first.click()
    current: list[float] = []
    for i in range(len(titles) - 1):
        page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[i]!r}", timeout=30000)
        began = time.monotonic()
        page.wait_for_function(PLAYED_5_S, timeout=60000)
        page.evaluate(REMEMBER_PLAYING)
        page.click("#btn-next")
        current.append(time.monotonic() - began)
    page.wait_for_function(f"document.querySelector('#np-title').textContent === {titles[-1]!r}", timeout=30000)
    page.wait_for_timeout(1000)
    page.context.close()
    return _charged(live)[:-1], current


def straight_run(browser: Browser, live: LiveServer, interval_s: int) -> tuple[float, float]:
    """(audio the page played when the ad break appeared, wall seconds from the first play)."""
    page = _page(browser, live)
    page.locator("#main .track-play").first.click()
    t0 = time.monotonic()
    page.wait_for_selector("#ad-break:not([hidden])", timeout=int(interval_s * 2.5 * 1000))
    heard = float(page.evaluate("window.__heard"))
    wall = time.monotonic() - t0
    page.context.close()
    return heard, wall


def seek_run(browser: Browser, live: LiveServer, seeks: int) -> list[float]:
    rng = random.Random(14)
    page = _page(browser, live)
    page.locator("#main .track-play").first.click()
    page.wait_for_function("document.querySelector('#audio').currentTime >= 1", timeout=30000)
    out = []
    for _ in range(seeks):
        duration = float(page.evaluate("document.querySelector('#audio').duration"))
        out.append(float(page.evaluate(SEEK, rng.uniform(1.0, max(2.0, duration - 6.0)))))
    page.context.close()
    return out


def _stage(started: float, name: str) -> None:
    print(f"[{time.monotonic() - started:6.0f} s] {name}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=int, default=90, help="ad interval in s (the product's 1800 s scaled down)")
    ap.add_argument("--skips", type=int, default=5)
    ap.add_argument("--seeks", type=int, default=20)
    a = ap.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        with _server(Path(tmp) / "long", interval_s=3600, seconds=(45.0, 48.0), tracks=2 * (a.skips + 2)) as live:
            _stage(started, "skip run")
            charged, current = skip_run(browser, live, a.skips)
            print(
                f"skip after 5 s (n={len(charged)}): charged per skipped track {[round(c / 1000, 1) for c in charged]} s; "
                f"max {max(charged) / 1000:.1f} s (target <= 30 s); each was current {[round(c, 1) for c in current]} s",
                flush=True,
            )
            _stage(started, "seek run")
            seeks = seek_run(browser, live, a.seeks)
            print(
                f"seek to playing (n={len(seeks)}): p50 {statistics.median(seeks):.0f} ms, p95 {pct(seeks, 95):.0f} ms, "
                f"max {max(seeks):.0f} ms (target 300 ms)",
                flush=True,
            )
        short = a.interval // 6 * 4  # two albums, each of 6-7 s tracks for about twice the interval
        with _server(Path(tmp) / "short", interval_s=a.interval, seconds=(6.0, 7.0), tracks=short) as live:
            _stage(started, "straight run")
            heard, wall = straight_run(browser, live, a.interval)
        browser.close()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# fair free tier in Chromium, ended {now} on {platform.node()}, load {os.getloadavg()}")
    print(f"took {time.monotonic() - started:.0f} s (server setup included)")
    off = (heard - a.interval) / a.interval * 100
    print(
        f"straight through, interval {a.interval} s (product {PRODUCT_INTERVAL_S} s / {PRODUCT_INTERVAL_S // a.interval}): "
        f"first ad after {heard:.1f} s of audio played ({off:+.1f}% of the interval; target within ±10%), "
        f"{wall:.1f} s wall"
    )


if __name__ == "__main__":
    main()
