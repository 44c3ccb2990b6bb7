"""The developer and consent pages in real Chromium, with the CSP enforced (no inline script anywhere)."""

import os
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from tests.conftest import IN_CI
from tests.support.live import LiveServer
from tests.web.spotify.conftest import PASSWORD
from tests.web.spotify.flows import CSRF, REDIRECT, login, pkce

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("v1-live")]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail("Chromium is required in CI")
        pytest.skip(f"{CHROMIUM} is missing: browser tests SKIPPED")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def test_register_an_app_consent_and_revoke(live: LiveServer, browser: Browser) -> None:
    context = browser.new_context()  # CSP enforced: the pages must work without inline script
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    # Log in through the consent page's own form, reached via /developer's link-free path.
    page.goto(f"{live.base_url}/developer")
    page.wait_for_selector("#need-login:not([hidden])")
    assert page.get_attribute("#need-login a", "href") == "/login?next=%2Fdeveloper"  # back here after, not home
    verifier, challenge = pkce()
    page.goto(f"{live.base_url}/authorize?response_type=code&client_id=nobody")
    page.wait_for_selector("#login:not([hidden])")
    page.fill("input[name=username]", "dev")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")  # an unknown client: refused on the page, no redirect
    assert "cannot be completed" in page.inner_text("#error")
    assert page.get_by_role("link", name="Back to Encore").is_visible()  # not a page with no way on

    page.goto(f"{live.base_url}/developer")
    page.wait_for_selector("#signed-in:not([hidden])")
    page.fill("input[name=name]", "Browser app")
    page.fill("textarea[name=redirect_uris]", "not a url")
    page.click("#new-app button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")  # refused, and what was typed is kept
    assert page.input_value("input[name=name]") == "Browser app"
    page.fill("textarea[name=redirect_uris]", REDIRECT)
    page.click("#new-app button[type=submit]")
    page.wait_for_selector("#secret:not([hidden])")
    assert page.is_hidden("#error")  # the first try's refusal does not stay beside the secret
    assert len(page.inner_text("#secret-value")) >= 40
    page.wait_for_selector("#apps li")
    client_id = page.inner_text("#apps li .muted").split()[2]

    captured: list[str] = []

    def catch(route: Route) -> None:  # the app's redirect target is not a real server
        captured.append(route.request.url)
        route.fulfill(status=200, body="ok")

    page.route(f"{REDIRECT}*", catch)
    page.goto(
        f"{live.base_url}/authorize?response_type=code&client_id={client_id}&redirect_uri={REDIRECT}"
        f"&scope=user-top-read%20playlist-read-private%20streaming&state=xyz&code_challenge={challenge}"
        "&code_challenge_method=S256"
    )
    page.wait_for_selector("#consent:not([hidden])")
    assert page.inner_text("#app-name") == "Browser app"
    assert page.locator("#scopes li").all_inner_texts() == [
        "See your top artists and tracks",
        "See your private playlists",
    ]
    assert page.inner_text("#not-granted") == "Asked for, but Encore cannot do it, so it gives nothing: streaming."
    page.click("#approve")
    page.wait_for_function("() => location.href.startsWith('http://127.0.0.1:8765/')")
    got = parse_qs(urlsplit(captured[0]).query)
    assert got["state"] == ["xyz"] and len(got["code"][0]) > 20
    token = httpx.post(
        f"{live.base_url}/api/token",
        data={
            "grant_type": "authorization_code",
            "code": got["code"][0],
            "redirect_uri": REDIRECT,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text

    page.goto(f"{live.base_url}/developer")
    page.wait_for_selector("#grants li button")
    assert "Browser app" in page.inner_text("#grants")
    page.click("#grants li button")
    page.wait_for_selector("#grants li.muted")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scroll (probe22 F8: 431 px)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not violations, violations
    context.close()


def test_log_in_from_the_developer_page_comes_back_to_it(live: LiveServer, browser: Browser) -> None:
    """The player has no route for /developer: it loads the page instead of showing "Not found", and a `next`
    naming another site (a browser reads "/\\host" as "//host") goes home, never off the site."""
    page = browser.new_context().new_page()
    page.goto(f"{live.base_url}/developer")
    page.click("#need-login a")
    page.fill("#login-user", "dev")
    page.fill("#login-pass", PASSWORD)
    page.click("button:has-text('Continue')")
    page.wait_for_selector("#signed-in:not([hidden])")
    assert urlsplit(page.url).path == "/developer"
    # review28c M1: dot segments fold the last three into the path "//evil.example", another site once navigated to
    elsewhere_all = ("//evil.example/x", "/\\evil.example/x", "https://evil.example/x", "/.//evil.example/x",
                     "/..//evil.example/x", "/%2e//evil.example")  # fmt: skip
    for elsewhere in elsewhere_all:
        page.context.clear_cookies()  # signed out: a signed-in tab is not shown the form (review30c L1)
        page.goto(f"{live.base_url}/login?next={quote(elsewhere, safe='')}")
        page.fill("#login-user", "dev")
        page.fill("#login-pass", PASSWORD)
        page.click("button:has-text('Continue')")
        page.wait_for_url(f"{live.base_url}/")


def test_the_consent_pages_log_in_says_why_a_disabled_account_cannot(live: LiveServer, browser: Browser) -> None:
    """probe20 F6 on the OAuth face: its own log-in form said "Wrong username or password." to every refusal; the
    right password of a disabled account now hears why, as the player's form does, and a wrong one stays generic."""
    from encore.accounts import create_user
    from encore.db import transaction

    with transaction(live.container.sessions) as s:
        create_user(s, username="paused-dev", password=PASSWORD).is_active = False
    page = browser.new_context().new_page()
    page.goto(f"{live.base_url}/authorize?response_type=code&client_id=nobody")
    page.wait_for_selector("#login:not([hidden])")
    for password, said in ((PASSWORD + "x", "Wrong username or password."), (PASSWORD, "This account is disabled.")):
        page.fill("input[name=username]", "paused-dev")
        page.fill("input[name=password]", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_function("want => document.querySelector('#error').innerText.startsWith(want)", arg=said)
    assert page.is_visible("#login")  # still asked to log in: nothing was let through
    page.context.close()


def test_docs_render_every_operation_from_encores_own_files(live: LiveServer, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(live.base_url) else None)

    # /docs reached as a developer reaches it, from /developer's link: Swagger UI renders the whole API once (it
    # rendered it twice, loaded directly and then through the link). What /developer itself logs is not the
    # docs' business, so the lists start empty at the click; the listeners stay on the page across navigations.
    page.goto(f"{live.base_url}/developer")
    page.wait_for_selector("#need-login:not([hidden])")  # the page has asked who is signed in and settled
    problems.clear()
    elsewhere.clear()
    page.click("text=API reference")
    page.wait_for_url(f"{live.base_url}/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/v1/me/tracks" in [p.replace("\u200b", "") for p in paths]
    assert len(paths) > 50
    assert not problems, problems  # CSP violations and script errors show up here
    assert not elsewhere, elsewhere  # no CDN: Swagger UI comes from Encore itself
    page.click("text=Back to the player")
    page.wait_for_url(f"{live.base_url}/")
    context.close()


def test_external_urls_open_pages_of_the_player(live: LiveServer, browser: Browser) -> None:
    """/v1's external_urls for a playlist and a user lead to player pages that show them (phone size)."""
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "alice", PASSWORD)
        made = http.post("/api/playlists", json={"name": "Shared mix", "public": True}, headers=CSRF).json()
        alice = http.get("/api/me").json()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live.base_url}/login")
    page.fill("#login-user", "bob")
    page.fill("#login-pass", PASSWORD)
    page.press("#login-pass", "Enter")
    page.wait_for_url(f"{live.base_url}/")
    playlist_url = f"{live.base_url}/playlist/{made['id']}"  # what /v1 gives as external_urls
    page.goto(playlist_url)
    page.wait_for_selector("h1:has-text('Shared mix')")
    page.goto(f"{live.base_url}/user/{alice['id']}")
    page.wait_for_selector("h1:has-text('Alice')")
    page.click("a.card[aria-label='Shared mix']")
    page.wait_for_url(playlist_url)
    context.close()
