"""schemathesis over the player's /api and the ListenBrainz /1 surfaces of /openapi.json: whatever a
schema-shaped (or schema-breaking) request holds, no server error. (/v1 has its own, stricter run in
tests/web/spotify.) Bounded: a few derandomized examples per operation, one live server for the module."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from tests.catalog import factories as f
from tests.support.live import LiveServer, serve
from tests.support.migrate import migrated_sqlite
from tests.support.openapi import app_openapi
from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("api-schemathesis")]
EXAMPLES_PER_OPERATION = 4
# Signing this very session out would turn the rest of the run into 401s.
SKIP = {"POST /api/auth/logout", "POST /api/me/sign-out-everywhere", "PUT /api/me/password"}


SCHEMA = schemathesis.openapi.from_dict(app_openapi()).include(path_regex=r"^/(api|1)/")
OPERATIONS = {op.ok().label: op.ok() for op in SCHEMA.get_all_operations() if op.ok().label not in SKIP}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("api-schemathesis")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    with transaction(container.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
        artist = f.artist(s, "Fuzz Band")
        f.track(s, "Fuzzed", f.album(s, "Fuzz", artist, on=f.label(s, "Fuzz Label")), [artist])
    with serve(container) as server:
        yield server
    container.close()


@pytest.fixture(scope="module")
def auth(live: LiveServer) -> dict[str, str]:
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        r = http.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
        session = r.json()["token"]
        listen = http.post("/api/me/listen-token", headers={"Authorization": f"Bearer {session}"}).json()["token"]
    return {"session": session, "listen": listen}


def test_the_surfaces_are_in_the_schema() -> None:
    assert len(OPERATIONS) >= 60


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_server_errors(label: str, auth: dict[str, str], live: LiveServer) -> None:
    operation = OPERATIONS[label]
    path = label.split(" ", 1)[1]
    header = f"Token {auth['listen']}" if path.startswith("/1/") else f"Bearer {auth['session']}"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=live.base_url, headers={"Authorization": header}, checks=[not_a_server_error])

    check()
