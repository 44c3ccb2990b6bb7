"""Web player benchmark in Debian's Chromium on loopback: app-shell first load, click to `playing`, and the
gap between tracks with prefetch. Run from the repository root:

    .venv/bin/python -m bench.player.run [--clicks 40] [--gaps 10]

It builds a throwaway dev server (SQLite, 12 synthesized 31-34 s tracks through real ingest, uvicorn on
127.0.0.1) and drives it with Playwright. Times are taken inside the page with performance.now().
"""

import argparse
import platform
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from tests.support.live import LiveServer, seed_small_catalogue, serve

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
SHELL_EXT = (".js", ".css", ".svg", ".webmanifest", ".png")

# Records when the first view (the home grid) is in the DOM: "interactive" for the app shell.
MARK_READY = """
new MutationObserver((_, obs) => {
  if (document.querySelector('#main .grid, form.login')) { window.__ready = performance.now(); obs.disconnect(); }
}).observe(document, { childList: true, subtree: true });
"""

CLICK = """async (i) => {
  const rows = document.querySelectorAll('#main .track-play');
  const t0 = performance.now();
  const playing = new Promise((resolve) => {
    const on = (e) => { if (e.target.id === 'audio') { resolve(performance.now()); off(); } };
    const els = [...document.querySelectorAll('audio')];
    const off = () => els.forEach((a) => a.removeEventListener('playing', on));
    els.forEach((a) => a.addEventListener('playing', on));
  });
  performance.clearResourceTimings();
  rows[i].click();
  const t1 = await playing;
  const res = performance.getEntriesByType('resource');
  const post = res.find((e) => e.name.includes('/api/tracks/'));
  const media = res.find((e) => e.name.includes('/stream/'));
  return [t1 - t0, post ? post.responseEnd - t0 : -1, media ? media.responseStart - t0 : -1];
}"""

# A human-like press: Playwright's mouse with the button held 80 ms (people hold it 50-100 ms). Times
# from pointerdown and from the click event (the button's release) to `playing`.
HUMAN_ARM = """(i) => {
  window.__h = {};
  window.addEventListener('pointerdown', () => { window.__h.down = performance.now(); }, { once: true, capture: true });
  window.addEventListener('click', () => { window.__h.click = performance.now(); }, { once: true, capture: true });
  const els = [...document.querySelectorAll('audio')];
  const on = (e) => { if (e.target.id === 'audio') { window.__h.playing = performance.now(); els.forEach((a) => a.removeEventListener('playing', on)); } };
  els.forEach((a) => a.addEventListener('playing', on));
}"""

GAP = """async () => {
  const cur = document.querySelector('#audio');
  const next = document.querySelector('#audio-next');
  let ended = 0;
  cur.addEventListener('ended', () => { ended = performance.now(); }, { once: true });
  const started = new Promise((resolve) => next.addEventListener('playing', () => resolve(performance.now()), { once: true }));
  cur.currentTime = cur.duration - 0.8;
  const t = await started;
  return t - ended;
}"""


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def login(page: Page, base: str) -> None:
    r = page.request.post(
        f"{base}/api/auth/login",
        data={"username": "bench", "password": "bench-pass-123"},
        headers={"X-Encore-CSRF": "1"},
    )
    assert r.ok, r.text()


def shell_load(browser_launch: object, live: LiveServer, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"shell_kb": [], "total_kb": [], "ready_ms": [], "login_ready_ms": []}
    for _ in range(runs):
        ctx = browser_launch.new_context(bypass_csp=True)  # type: ignore[attr-defined]
        page = ctx.new_page()
        page.add_init_script(MARK_READY)
        page.goto(f"{live.base_url}/login")  # a new visitor: cold cache, the log-in form
        page.wait_for_function("window.__ready")
        out["login_ready_ms"].append(page.evaluate("window.__ready"))
        ctx.close()
        ctx = browser_launch.new_context(bypass_csp=True)  # type: ignore[attr-defined]
        page = ctx.new_page()
        login(page, live.base_url)
        page.add_init_script(MARK_READY)
        page.goto(f"{live.base_url}/")
        page.wait_for_function("window.__ready")
        out["ready_ms"].append(page.evaluate("window.__ready"))
        entries = page.evaluate("""[performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
            .map(e => [e.name, e.transferSize || e.encodedBodySize || 0])""")
        shell = sum(size for name, size in entries if name.endswith(SHELL_EXT) or name.rstrip("/") == live.base_url)
        out["shell_kb"].append(shell / 1024)
        out["total_kb"].append(sum(size for _, size in entries) / 1024)
        ctx.close()
    return out


def human_presses(page: Page, n: int, count: int) -> tuple[list[float], list[float]]:
    down, click = [], []
    for i in range(count):
        page.evaluate(HUMAN_ARM)
        page.locator("#main .track-play").nth((2 * i + 4) % n).click(delay=80)
        page.wait_for_function("window.__h.playing", timeout=15000)
        h = page.evaluate("window.__h")
        down.append(h["playing"] - h["down"])
        click.append(h["playing"] - h["click"])
        page.wait_for_timeout(150)
    return down, click


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clicks", type=int, default=40)
    ap.add_argument("--gaps", type=int, default=10)
    ap.add_argument("--loads", type=int, default=10)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
        container.migrate()
        seed_small_catalogue(container, work)
        with transaction(container.sessions) as s:
            create_user(s, username="bench", password="bench-pass-123")  # noqa: S106 - a throwaway benchmark account
        with serve(container) as live, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            shell = shell_load(browser, live, a.loads)
            ctx = browser.new_context(bypass_csp=True)
            page = ctx.new_page()
            login(page, live.base_url)
            page.goto(f"{live.base_url}/library")
            page.goto(f"{live.base_url}/search?q=a")
            page.wait_for_selector("#main .track-play")
            n = page.locator("#main .track-play").count()
            page.evaluate(CLICK, 0)  # warm-up: connections, decoder
            clicks, posts, firsts = [], [], []
            for i in range(a.clicks):
                # Stride 2 through the list: the clicked track is never the prefetched next one (the cold path).
                total, post, first = page.evaluate(CLICK, (2 * i + 3) % n)
                clicks.append(total)
                posts.append(post)
                firsts.append(first)
                page.wait_for_timeout(150)
            human_down, human_click = human_presses(page, n, a.clicks)
            gaps = []
            for i in range(a.gaps):
                page.evaluate(CLICK, i % (n - 1))
                page.wait_for_function("(document.querySelector('#audio-next').readyState || 0) >= 3", timeout=15000)
                gaps.append(page.evaluate(GAP))
            browser.close()
        container.close()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# player benchmark {now} on {platform.node()} ({platform.machine()}), Chromium {CHROMIUM}")
    print(
        f"click to playing (cold, n={len(clicks)}): median {statistics.median(clicks):.1f} ms, p95 {pct(clicks, 95):.1f} ms, max {max(clicks):.1f} ms"
    )
    print(
        f"  of which: signed-URL POST done at median {statistics.median(posts):.1f} ms; first audio byte at median {statistics.median(firsts):.1f} ms"
    )
    print(
        f"human press (button held 80 ms, n={len(human_down)}): pointerdown -> playing median {statistics.median(human_down):.1f} ms, p95 {pct(human_down, 95):.1f} ms; "
        f"click (release) -> playing median {statistics.median(human_click):.1f} ms, p95 {pct(human_click, 95):.1f} ms"
    )
    print(
        f"gap ended -> next playing with prefetch (n={len(gaps)}): median {statistics.median(gaps):.1f} ms, p95 {pct(gaps, 95):.1f} ms, max {max(gaps):.1f} ms"
    )
    print(
        f"app shell transferred: {statistics.median(shell['shell_kb']):.1f} KB (all requests incl. API JSON and covers: {statistics.median(shell['total_kb']):.1f} KB)"
    )
    print(
        f"first load to home view rendered (logged in, cold cache, n={a.loads}): median {statistics.median(shell['ready_ms']):.0f} ms, p95 {pct(shell['ready_ms'], 95):.0f} ms"
    )
    print(
        f"first load to log-in form (new visitor, n={a.loads}): median {statistics.median(shell['login_ready_ms']):.0f} ms"
    )


if __name__ == "__main__":
    main()
