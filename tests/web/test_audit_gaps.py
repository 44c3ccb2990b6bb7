"""Audit gaps of #15: label uploads (both upload routes) and OAuth token revocation (RFC 7009) are recorded, and
so is a grant revoked because a spent refresh token or code came back (session 16); throttled log-ins, which a
guesser makes at will, write one row per client per window instead of one each."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from encore import audit
from encore.accounts import Role, create_user
from encore.bootstrap import Container, build
from encore.catalog import upsert_label
from encore.config import Settings
from encore.db import transaction
from encore.kernel import FixedClock
from encore.state import MemoryState
from encore.web import create_app
from tests.ingest import corpus
from tests.web.conftest import PASSWORD, login
from tests.web.spotify.flows import (
    CSRF,
    REDIRECT,
    authorize_query,
    code_from,
    consent,
    pkce,
    register_app,
    user_token,
)

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


@pytest.fixture
def container(tmp_path: Path, database_url: str) -> Iterator[Container]:
    """A stopped clock: the throttle's delays never run out during the test, however slow the machine."""
    c = build(Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url), clock=FixedClock(T0))
    yield c
    c.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="https://testserver") as c:  # https: OAuth needs it
        yield c


def _events(container: Container, kind: str) -> list[audit.EventView]:
    with container.sessions() as s:
        return audit.list_events(s, where=audit.EventFilter(kind=kind))


@pytest.fixture
def flac(tmp_path: Path) -> bytes:
    return corpus.write_flac(tmp_path / "x.flac", corpus.tone(1.0, 440), title="Logged", artist="Up").read_bytes()


def test_label_uploads_are_audited(client: TestClient, container: Container, flac: bytes) -> None:
    with transaction(container.sessions) as s:
        user = create_user(s, username="fox", password=PASSWORD, role=Role.LABEL)
        user.label_id = upsert_label(s, name="Little Fox", kind="indie").id
    login(client, "fox")
    label_id = client.get("/api/me/label").json()["id"]
    first = client.post(f"/api/label/{label_id}/uploads", files={"file": ("a.flac", flac)}, headers=CSRF)
    assert first.status_code == 200 and first.json()["imported"] == 1
    second = client.post("/api/uploads", files={"file": ("b.mp3", b"not audio" * 20)}, headers=CSRF)
    assert second.status_code == 200 and second.json()["imported"] == 0

    events = _events(container, audit.kinds.LABEL_UPLOAD)
    assert [(e.actor, e.details["file"], e.details["imported"], e.details["failed"]) for e in events] == [
        ("fox", "b.mp3", 0, 1),
        ("fox", "a.flac", 1, 0),
    ]
    assert len(events[1].details["track_ids"]) == 1  # type: ignore[arg-type]


def test_token_revocation_is_audited(client: TestClient, container: Container, listener: str) -> None:
    login(client, listener)
    app = register_app(client)
    token = user_token(client, app)
    client.cookies.clear()
    unknown = client.post("/api/token/revoke", data={"token": "no-such-token", "client_id": app.client_id})
    assert unknown.status_code == 200 and _events(container, audit.kinds.OAUTH_TOKEN_REVOKED) == []
    done = client.post("/api/token/revoke", data={"token": token["access_token"], "client_id": app.client_id})
    assert done.status_code == 200
    events = _events(container, audit.kinds.OAUTH_TOKEN_REVOKED)
    assert [(e.subject, e.details) for e in events] == [(listener, {"client_id": app.client_id})]


def _refresh(client: TestClient, client_id: str, refresh_token: str) -> tuple[int, dict[str, str]]:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    r = client.post("/api/token", data=data, headers={"User-Agent": "thief-or-app/1.0"})
    return r.status_code, r.json()


def test_a_replayed_refresh_token_revoking_its_grant_is_audited(
    client: TestClient, container: Container, listener: str
) -> None:
    """The family revocation (RFC 9700 §4.14.2) ended the listener's app session without a trace in the log: the
    operator now reads whose grant, which app, why, and from where the replay came; a replay of a grant already
    dead, or the app's own race within 2 s, writes nothing (a thief replaying at will cannot fill the log)."""
    login(client, listener)
    app = register_app(client)
    first = user_token(client, app)
    client.cookies.clear()
    status, second = _refresh(client, app.client_id, first["refresh_token"])
    assert status == 200
    status, raced = _refresh(client, app.client_id, first["refresh_token"])  # the app racing itself, same instant
    assert status == 400 and "another request" in raced["error_description"]
    assert _events(container, audit.kinds.OAUTH_REPLAY_REVOKED) == []
    assert isinstance(container.clock, FixedClock)
    container.clock.advance(60)
    status, replayed = _refresh(client, app.client_id, first["refresh_token"])
    assert status == 400 and "every token of this grant is revoked" in replayed["error_description"]
    assert _refresh(client, app.client_id, second["refresh_token"])[0] == 400  # the family is gone
    assert _refresh(client, app.client_id, first["refresh_token"])[0] == 400  # again: nothing left to revoke

    events = _events(container, audit.kinds.OAUTH_REPLAY_REVOKED)
    assert [(e.actor, e.subject, e.user_agent) for e in events] == [(None, listener, "thief-or-app/1.0")]
    assert events[0].details == {
        "client_id": app.client_id,
        "credential": "refresh_token",
        "tokens_revoked": 1,  # the successor `second`; `first` was spent by its rotation
        "rotated_at": T0.isoformat(),
        "reason": replayed["error_description"],
    }
    login(client, listener)  # the listener sees it on the security page too
    kinds_seen = [e["kind"] for e in client.get("/api/me/security/events").json()["items"]]
    assert audit.kinds.OAUTH_REPLAY_REVOKED in kinds_seen


def test_a_replayed_authorization_code_revoking_its_tokens_is_audited(
    client: TestClient, container: Container, listener: str
) -> None:
    login(client, listener)
    app = register_app(client)
    verifier, challenge = pkce()
    answer = consent(client, authorize_query(app, scope="user-read-private", challenge=challenge))
    code, _ = code_from(answer.json()["redirect"])
    client.cookies.clear()
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": app.client_id,
        "code_verifier": verifier,
    }
    assert client.post("/api/token", data=exchange).status_code == 200
    for _ in range(2):  # the second replay finds nothing live: one event
        assert client.post("/api/token", data=exchange).status_code == 400
    events = _events(container, audit.kinds.OAUTH_REPLAY_REVOKED)
    assert [(e.subject, e.details["client_id"], e.details["credential"]) for e in events] == [
        (listener, app.client_id, "code")
    ]
    assert events[0].details["tokens_revoked"] == 1


def test_throttled_log_ins_write_one_row_per_client_per_window(
    client: TestClient, container: Container, listener: str
) -> None:
    codes = [
        client.post("/api/auth/login", json={"username": listener, "password": "wrong-pass"}).status_code
        for _ in range(30)
    ]
    assert codes == [401] * 5 + [429] * 25
    failed = _events(container, audit.kinds.LOGIN_FAILED)
    reasons = [e.details["reason"] for e in failed]
    assert len(failed) == 6 and reasons.count("invalid_credentials") == 5  # 5 wrong passwords, 1 throttled row
    throttled = next(e for e in failed if e.details["reason"] != "invalid_credentials")
    assert throttled.details["throttled_attempts_not_logged"] == 0


def test_the_flood_gate_reports_what_it_dropped() -> None:
    gate = audit.FloodGate(MemoryState(), window_s=300)
    t0 = T0
    seen = [gate.admit("client", now=t0 + timedelta(seconds=i)) for i in range(25)]
    assert seen == [0] + [None] * 24
    assert gate.admit("other", now=t0) == 0  # per key
    assert gate.admit("client", now=t0 + timedelta(seconds=301)) == 24  # the next row says how many it stands for
    assert gate.admit("client", now=t0 + timedelta(seconds=302)) is None
