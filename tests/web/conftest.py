from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.web import create_app
from tests.conftest import IN_CI
from tests.support.browser import CHROMIUM, chromium_available, launch

PASSWORD = "listener-pass-1"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def listener(container: Container) -> str:
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password=PASSWORD)
    return "listener"


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One Chromium per browser module, taken through its `browser` fixture. Not per session: Playwright's sync
    API keeps an event loop running in the main thread while it is open, and every later test in that process
    that calls asyncio.run() (the body-limit tests, for one) would fail with "cannot be called from a running
    event loop"."""
    if not chromium_available():
        if IN_CI:
            pytest.fail("Chromium is required in CI")
        pytest.skip(f"{CHROMIUM} is missing: browser tests SKIPPED (make test installs it as root)")
    with launch() as b:
        yield b
