"""Debian's Chromium through Playwright, launched once per browser module (tests/web/conftest.py `chromium`).

Each test opens its own context (cookies, storage and cache are per context, so tests never see each other);
what a module leaves open is closed when the module ends (`release`), so the one browser does not accumulate.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

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


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM)


@contextmanager
def launch() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def release(browser: Browser) -> None:
    """Close every context a module left open (its pages go with them); the browser stays up."""
    for context in list(browser.contexts):
        context.close()


def sign_in(page: Page, base_url: str, username: str, password: str, path: str = "/") -> None:
    """Signed in as a returning user: the request the login form sends, from the page's own context (its cookie
    jar: a session of its own, as the form gets), then the page at `path`. One page load fewer than filling the
    form; tests/web/test_first_page_browser.py drives the form itself."""
    answer = page.context.request.post(
        f"{base_url}/api/auth/login",
        data={"username": username, "password": password},
        headers={"X-Encore-CSRF": "1"},
    )
    assert answer.status == 200, answer.text()
    page.goto(base_url + path)


def signed_in_page(
    browser: Browser, base_url: str, username: str, password: str, path: str, viewport: dict[str, int]
) -> tuple[BrowserContext, Page, list[str]]:
    """A fresh context signed in as `username` at `path` (`sign_in`), and the page errors it meets (an unhandled
    rejection is one); the caller closes the context."""
    context = browser.new_context(bypass_csp=True, viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, base_url, username, password, path)
    return context, page, errors


# An in-app move, as a click on one of the app's own links makes it: a `data-link` anchor to `path` is clicked, so
# the app's router (app.js `navigate`) swaps the view without loading the document again. Read by polling from
# Python, not `wait_for_function` (an enforced CSP refuses its eval), until the view in #main is a new one: a wait
# for a selector after it cannot be met by the view just left.
_FOLLOW_LINK = """(path) => {
  const main = document.querySelector('#main');
  window.__viewLeft = main.firstElementChild;
  const a = document.createElement('a');
  a.href = path;
  a.setAttribute('data-link', '');
  document.body.append(a);
  a.click();
  a.remove();
}"""
_VIEW_SWAPPED = "() => document.querySelector('#main').firstElementChild !== window.__viewLeft"


def go(page: Page, path: str, timeout: float = 15.0) -> None:
    """To `path` inside the app, as a link does: ~0.26 s of CPU (server and Chromium) against ~0.66 s for
    `page.goto`'s full load (docs/benchmarks.md, session 29 speed29a). For a test about what a view shows, not about a
    load: one that proves something survives a reload or a new document keeps its `page.goto`/`page.reload`."""
    here = page.evaluate("() => location.pathname + location.search")
    assert here != path, f"already at {path}: a link there would not move"
    page.evaluate(_FOLLOW_LINK, path)
    deadline = time.monotonic() + timeout
    while not page.evaluate(_VIEW_SWAPPED):
        assert time.monotonic() < deadline, f"the view for {path} did not replace the one left"
        page.wait_for_timeout(25)


# The two <audio> elements take turns, so "#audio" is not always the one playing: 5 s played is the playing
# element of the new track (not the one just skipped) past 5 s.
PLAYED_5_S = (
    "[...document.querySelectorAll('#audio, #audio-next')].some(a => !a.paused && a.currentSrc"
    " && a.currentSrc !== window.__skippedSrc && a.currentTime >= 5)"
)
REMEMBER_PLAYING = (
    "window.__skippedSrc = [...document.querySelectorAll('#audio, #audio-next')]"
    ".find(a => !a.paused && a.currentTime >= 5).currentSrc"
)

# Audio at twice real time, for a test that waits on audio playing out (an ad break to its end, 5 s of a track, a
# track to its end, a crossfade): the same media events in the same order, in half the wall time. Given to a page
# before its first load (`page.add_init_script(FAST_AUDIO)`), or mid-way (`page.evaluate(FAST_AUDIO)`: the elements
# already there too) where what comes first must keep its own pace (a check made while an ad still plays). Every
# media element is sped up as it starts loading (a load resets playbackRate to defaultPlaybackRate, so both are
# set) and as it starts playing; the player's own code is unchanged. What the server paces or checks by its own
# clock is untouched: the free tier's pacing, and an ad counted only once its length less 3 s of slack has passed
# since its first byte (a 5 s ad at 2x takes 2.5 s: still enough).
FAST_AUDIO_RATE = 2.0
FAST_AUDIO = f"""(() => {{
  const fast = (event) => {{
    const el = event.target;
    if (!(el instanceof HTMLMediaElement) || el.playbackRate === {FAST_AUDIO_RATE}) return;
    el.defaultPlaybackRate = {FAST_AUDIO_RATE};
    el.playbackRate = {FAST_AUDIO_RATE};
  }};
  for (const type of ["loadstart", "play"]) document.addEventListener(type, fast, true);
  document.querySelectorAll("audio, video").forEach((el) => fast({{ target: el }}));
}})();"""
