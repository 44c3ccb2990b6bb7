"""A page on another origin, in Chromium, calls Encore as a browser app does (Feishin's web build, a scrobbler
page): the token faces answer it, preflight included; the player's cookie API stays unreadable to it."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.devices import create_device
from tests.support.live import LiveServer, serve, serve_asgi
from tests.support.migrate import migrated_sqlite
from tests.web.conftest import PASSWORD
from tests.web.test_first_page_browser import browser

__all__ = ["browser"]
pytestmark = pytest.mark.browser


async def _other_site(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Another origin: one blank page, from which the test's script calls Encore."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": b"<!doctype html><title>elsewhere</title>"})


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[LiveServer, str, dict[str, str]]]:
    work: Path = tmp_path_factory.mktemp("cross-origin")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = create_user(s, username="listener", password=PASSWORD)
        device = create_device(s, user_id=user.id, name="web", secret=secret, now=container.clock.now())
        token = regenerate_listen_token(s, user_id=user.id, now=container.clock.now())
    with serve(container) as server, serve_asgi(_other_site) as elsewhere:
        yield server, elsewhere, {"api_key": device.api_key, "listen": token}
    container.close()


CALL = """async ([url, init]) => {
  try {
    const r = await fetch(url, init);
    return {status: r.status, body: await r.text()};
  } catch (e) {
    return {error: String(e)};
  }
}"""


def test_a_page_elsewhere_calls_the_token_faces(live: tuple[LiveServer, str, dict[str, str]], browser: Browser) -> None:
    server, elsewhere, keys = live
    page = browser.new_context().new_page()
    page.goto(elsewhere + "/")
    base = server.base_url

    ping = page.evaluate(CALL, [f"{base}/rest/ping.view?apiKey={keys['api_key']}&f=json", {}])
    assert ping.get("status") == 200 and '"status":"ok"' in ping["body"], ping
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}  # a form: no preflight, as a <form> posts
    form = {"method": "POST", "body": f"apiKey={keys['api_key']}&f=json", "headers": form_type}
    posted = page.evaluate(CALL, [f"{base}/rest/getScanStatus", form])
    assert posted.get("status") == 200 and '"scanStatus"' in posted["body"], posted
    # An Authorization header makes the browser ask first (a preflight), then send the call.
    auth = {"headers": {"Authorization": f"Token {keys['listen']}"}}
    valid = page.evaluate(CALL, [f"{base}/1/validate-token", auth])
    assert valid.get("status") == 200 and '"valid":true' in valid["body"], valid
    count = page.evaluate(CALL, [f"{base}/1/user/listener/listen-count", auth])
    assert count.get("status") == 200 and '"count":0' in count["body"], count

    # The cookie session's API answers nothing a page elsewhere can read, with or without credentials.
    for init in ({}, {"credentials": "include"}):
        me = page.evaluate(CALL, [f"{base}/api/me", init])
        assert "error" in me and "status" not in me, me
    page.context.close()
