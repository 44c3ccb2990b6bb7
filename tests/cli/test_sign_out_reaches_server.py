"""review22 F1: on the embedded default (no ENCORE_REDIS_URL) the incident kit's commands wrote the stream-URL
cutoff into the CLI process's own memory, so a running server kept serving the URLs it had handed out (until
their expiry, up to a day) although the CLI said "signed out everywhere". The cutoff now reaches the server
through the database (accounts._epochs: `stream_cutoffs` rows, read by the byte path at most once a second).
A real server on loopback, the real CLI in another process, the URL asked again until refused."""

import os
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import delete

from encore import accounts
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.web import create_app
from tests.support.cli_process import run_cli
from tests.support.live import serve
from tests.web.conftest import PASSWORD
from tests.web.test_stream_sign_out import track_id

REFUSED = (403, "stream URL refused: signed_out\n")
BOUND_S = 5.0  # the byte path reads the rows once a second; the rest is margin for a loaded machine

COMMANDS = {
    "user disable": ["user", "disable", "alice"],
    "security sign-out --user": ["security", "sign-out", "--user", "alice"],
    "security sign-out --everyone": ["security", "sign-out", "--everyone"],
    "security force-reset --user": ["security", "force-reset", "--user", "alice"],
    "user set-password": ["user", "set-password", "alice", "--password", "a-new-long-password"],
    "user delete": ["user", "delete", "alice", "--yes"],
}


@pytest.fixture
def server(container: Container) -> Iterator[httpx.Client]:
    with serve(container) as live, httpx.Client(base_url=live.base_url, timeout=30) as client:
        yield client


def _url(client: httpx.Client, username: str, track: str) -> str:
    token = client.post("/api/auth/login", json={"username": username, "password": PASSWORD}).json()["token"]
    r = client.post(f"/api/tracks/{track}/stream", json={}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return str(r.json()["url"])


def _status(client: httpx.Client, url: str) -> tuple[int, str]:
    r = client.get(url, headers={"Range": "bytes=0-3"})
    return r.status_code, r.text if r.status_code == 403 else ""


def _cli(settings: Settings, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")}
    env |= {"ENCORE_MODE": "dev", "ENCORE_DATA_DIR": str(settings.data_dir)}
    env["ENCORE_DATABASE_URL"] = settings.resolved_database_url
    done = run_cli(args, env)  # a process of its own (tests/support/cli_process.py)
    assert done.code == 0, done.output


def _refused_within(client: httpx.Client, url: str, bound_s: float) -> tuple[int, str]:
    deadline = time.monotonic() + bound_s
    while True:
        answer = _status(client, url)
        if answer[0] != 206 or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_cli_sign_out_cuts_a_running_servers_urls(
    container: Container, server: httpx.Client, settings: Settings, command: str
) -> None:
    assert container.settings.redis_url is None  # the embedded default: one process, its own state
    track = track_id(container)
    alices, bobs = _url(server, "alice", track), _url(server, "bob", track)
    assert _status(server, alices)[0] == 206 and _status(server, bobs)[0] == 206
    _cli(settings, *COMMANDS[command])
    assert _refused_within(server, alices, BOUND_S) == REFUSED
    bob_after = _status(server, bobs)
    assert bob_after == (REFUSED if command.endswith("--everyone") else (206, ""))


def test_a_cutoff_outlives_the_erased_account_and_a_restart(container: Container, settings: Settings) -> None:
    """The row names the account by its public id: once `encore worker` erased the account (its users row gone)
    the URL is still refused, and so it is by a server started after the sign-out (its memory empty)."""
    from fastapi.testclient import TestClient

    track = track_id(container)
    with TestClient(create_app(container), base_url="http://testserver") as client:
        token = client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD}).json()["token"]
        r = client.post(f"/api/tracks/{track}/stream", json={}, headers={"Authorization": f"Bearer {token}"})
        url = str(r.json()["url"])
        assert client.get(url, headers={"Range": "bytes=0-3"}).status_code == 206
    other = build(settings)  # another process's container: its own in-memory state
    try:
        with transaction(other.sessions) as s:
            alice = accounts.get_user_by_name(s, username="alice")
            assert alice is not None
            accounts.sign_out_account(s, user_id=alice.id, cutoffs=other.stream_cutoffs)
            s.execute(delete(accounts.User).where(accounts.User.id == alice.id))
    finally:
        other.close()
    restarted = build(settings)
    try:
        with TestClient(create_app(restarted), base_url="http://testserver") as client:
            r = client.get(url, headers={"Range": "bytes=0-3"})
            assert (r.status_code, r.text) == REFUSED
    finally:
        restarted.close()
