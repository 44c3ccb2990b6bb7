"""A live Encore on loopback with a small ingested catalogue, two listeners and a device each."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.devices import create_device
from encore.web import create_app
from tests.support.live import LiveServer, seeded_database, serve
from tests.support.postgres import PostgresServer


@dataclass
class Listener:
    username: str
    api_key: str
    app_password: str
    device_id: str


@dataclass
class Site:
    server: LiveServer
    container: Container
    me: Listener
    other: Listener
    work: Path

    @property
    def base_url(self) -> str:
        return self.server.base_url


def add_listener(container: Container, username: str) -> Listener:
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = create_user(s, username=username, password="account-pass-123", display_name=f"{username.title()} Fan")
        made = create_device(s, user_id=user.id, name=f"{username}'s phone", secret=secret, now=container.clock.now())
    return Listener(username, made.api_key, made.app_password, made.id)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    """One database per test module and backend (the live-server sessions run on SQLite and on PostgreSQL),
    holding the small catalogue: a copy of the one this process ingested on that backend (tests/support/live.py)."""
    work = tmp_path_factory.mktemp("subsonic")
    server: PostgresServer | None = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    with seeded_database(work, server) as url:
        yield work, url


@pytest.fixture(scope="module")
def site(module_database: tuple[Path, str]) -> Iterator[Site]:
    work, url = module_database
    # Free listeners' audio at 64x real time after the burst (the most the setting allows), not 2x: a whole
    # 33 s track reads in ~11 s at 2x. Nothing here measures pacing (tests/web/test_counted_stream.py does);
    # the paced path still runs, only its hold is shorter.
    settings = Settings(mode="dev", data_dir=work / "var", database_url=url, free_pace_x=64.0)
    container = build(settings)
    container.migrate()
    me, other = add_listener(container, "listener"), add_listener(container, "other")
    with serve(container) as server:
        yield Site(server, container, me, other, work)
    container.close()


@pytest.fixture(scope="module")
def http(site: Site) -> Iterator[TestClient]:
    with TestClient(create_app(site.container), base_url="http://testserver") as c:
        yield c
