"""What the ad clock charges a free listener in real Chromium, now that it counts the audio Encore sent.

Chromium reads ahead of the playhead, so a skipped song costs what was fetched of it, not only the seconds
heard. This drives the web player on loopback: play a song for `--listen` seconds, skip to the next, and so
on; then sit idle. After each step it prints wall time, the clock's charge and the audio sent. Run:

    .venv/bin/python -m bench.player.readahead [--songs 4] [--listen 5] [--track-s 200]
"""

import argparse
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from tests.support.live import LiveServer, first_album_id, seed_small_catalogue, serve

from bench.player.run import ARGS, CHROMIUM
from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction


def _charged(live: LiveServer, user_id: int) -> int:
    now = live.container.clock.now()
    with live.container.sessions() as s:
        return live.container.ad_clocks.move(s, user_id, lambda st: (st, st.total_ms(now)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--songs", type=int, default=4)
    ap.add_argument("--listen", type=float, default=5.0)
    ap.add_argument("--track-s", type=float, default=200.0)
    ap.add_argument("--idle", type=float, default=30.0)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-readahead-"))
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    seconds = (args.track_s, args.track_s + 5)
    seed_small_catalogue(container, work, tracks=2 * (args.songs + 1), albums=2, seconds=seconds)
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="listener", password="listener-pass-1").id  # noqa: S106 - throwaway
    with serve(container) as live, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context(bypass_csp=True).new_page()
        page.goto(f"{live.base_url}/album/{first_album_id(container)}")
        page.fill("#login-user", "listener")
        page.fill("#login-pass", "listener-pass-1")
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#main .track-play")
        t0 = time.monotonic()
        print(f"{'step':<22} {'wall s':>7} {'charged s':>10}")
        for i in range(args.songs):
            page.locator("#main .track-play").nth(i).click()
            page.wait_for_function("document.querySelector('#audio').currentTime > 0.2", timeout=20000)
            page.wait_for_timeout(args.listen * 1000)
            print(
                f"{f'song {i + 1}, {args.listen:.0f} s in':<22} {time.monotonic() - t0:7.1f} {_charged(live, user_id) / 1000:10.1f}"
            )
        page.evaluate("document.querySelector('#audio').pause()")
        page.wait_for_timeout(args.idle * 1000)
        print(f"{f'paused {args.idle:.0f} s':<22} {time.monotonic() - t0:7.1f} {_charged(live, user_id) / 1000:10.1f}")
        browser.close()
    container.close()


if __name__ == "__main__":
    main()
