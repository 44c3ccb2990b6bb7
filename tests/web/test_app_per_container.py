"""One FastAPI app per process serves every container's app (web._app): each request sees its own container."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.web import create_api, create_app
from tests.web.conftest import PASSWORD


@pytest.fixture
def other(tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    """A second container in the same process, on its own SQLite database."""
    shutil.copy(sqlite_template, tmp_path / "other.db")
    c = build(Settings(mode="dev", data_dir=tmp_path / "other-var", database_url=f"sqlite:///{tmp_path}/other.db"))
    yield c
    c.close()


def _log_in(client: TestClient, username: str) -> int:
    return client.post("/api/auth/login", json={"username": username, "password": PASSWORD}).status_code


def test_two_containers_apps_answer_from_their_own_data(container: Container, other: Container) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="here", password=PASSWORD)
    with transaction(other.sessions) as s:
        create_user(s, username="there", password=PASSWORD)
    mine, theirs = create_app(container), create_app(other)
    assert mine.api.app.app is theirs.api.app.app  # type: ignore[attr-defined]  # the routes are analysed once
    with (
        TestClient(mine, base_url="http://testserver") as a,
        TestClient(theirs, base_url="http://testserver") as b,
    ):
        for _ in range(2):  # interleaved, both clients open
            assert _log_in(a, "here") == 200
            assert _log_in(b, "here") == 401
            assert _log_in(b, "there") == 200
            assert _log_in(a, "there") == 401
        token = a.post("/api/auth/login", json={"username": "here", "password": PASSWORD}).json()["token"]
        assert a.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["username"] == "here"
        assert b.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_app_of_its_own_keeps_its_container_in_its_state(container: Container, other: Container) -> None:
    with transaction(other.sessions) as s:
        create_user(s, username="there", password=PASSWORD)
    own = create_api(other)
    assert own.state.container is other
    with TestClient(own, base_url="http://testserver") as c, TestClient(create_app(container)) as shared:
        assert _log_in(c, "there") == 200
        assert _log_in(shared, "there") == 401
