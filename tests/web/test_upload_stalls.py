"""Uploads left unfinished take no database connection, stall into a clear 408, and one account may send only
so many at once (review21 F1), under uvicorn as `encore serve` runs it.

The caller's check used to run on the request's own session, which kept its pooled connection while the client
trickled the body: with a pool of two, two unfinished uploads left every other request waiting for a connection
and failing. Each stalled upload here is opened with `Expect: 100-continue`, so the test knows, without timing
anything, that the server has checked the caller and is waiting for the body: uvicorn sends `100 Continue` when
the route first asks for a byte of it."""

import json
import logging
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from encore.accounts import Role, create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.ingest import run_ingest
from tests.support.live import serve

PASSWORD = "upload-pass-1"
IMPORT = "/api/me/history/import"
SPOTIFY = [{"endTime": "2022-01-02 03:04", "artistName": "Old", "trackName": "Basic", "msPlayed": 90_000}]
SMALL_POOL = {"db_pool_size": 2, "db_pool_overflow": 0, "db_pool_timeout_s": 3.0}
WAIT_S = 20  # the bound on every wait for the server: a failure, never a pass, if reached


def _container(settings: Settings, **update: object) -> Iterator[Container]:
    c = build(settings.model_copy(update={**SMALL_POOL, **update}))
    with transaction(c.sessions) as s:
        create_user(s, username="bob", password=PASSWORD)
        create_user(s, username="carol", password=PASSWORD)
        create_user(s, username="adm", password=PASSWORD, role=Role.ADMIN)
    yield c
    c.close()


@pytest.fixture
def patient(settings: Settings) -> Iterator[Container]:
    """Two pooled connections, three uploads per account, bodies allowed a minute of silence."""
    yield from _container(settings, uploads_per_account=3, body_idle_timeout_s=60.0)


@pytest.fixture
def impatient(settings: Settings) -> Iterator[Container]:
    """A body that sends nothing for a second has stalled."""
    yield from _container(settings, body_idle_timeout_s=1.0)


def _token(base_url: str, username: str) -> str:
    r = httpx.post(f"{base_url}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=WAIT_S)
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def _stall(base_url: str, path: str, token: str, *, multipart: bool = False) -> socket.socket:
    """An upload of 100,000 bytes declared, of which one is sent once the server asks for the body."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=WAIT_S)
    kind = "multipart/form-data; boundary=xyz" if multipart else "application/octet-stream"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: {kind}\r\n"
        "Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n"
    )
    try:
        sock.sendall(head.encode())
        interim = _read_head(sock)
        assert interim.startswith(b"HTTP/1.1 100"), interim  # the server checked the caller and waits for the body
        sock.sendall(b"-")
    except BaseException:
        sock.close()
        raise
    return sock


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _reply(sock: socket.socket) -> tuple[int, dict[str, object]]:
    """The final answer on an upload's socket: status and JSON body, read to its Content-Length (a 202 leaves the
    connection open: reading to its close waited out uvicorn's 5 s keep-alive), or to the close (a 408 closes)."""
    head = _read_head(sock)
    head, _, body = head.partition(b"\r\n\r\n")
    lines = [line.split(b":", 1) for line in head.split(b"\r\n")[1:]]
    length = next((int(v) for k, v in lines if k.strip().lower() == b"content-length"), None)
    while length is None or len(body) < length:
        if not (chunk := sock.recv(65536)):
            break
        body += chunk
    return int(head.split()[1]), json.loads(body)


def _partial_files(c: Container) -> list[Path]:
    return list(c.store.tmp_dir.glob("*.upload.part"))


def _eventually(check: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.fixture
def uvicorn_errors() -> Iterator[list[logging.LogRecord]]:
    """What uvicorn itself logs (its "uvicorn.error" logger does not propagate to pytest's capture): an
    exception an app lets out is logged there, not by Encore."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_unfinished_uploads_leave_the_database_to_everyone_else(
    patient: Container, caplog: pytest.LogCaptureFixture, uvicorn_errors: list[logging.LogRecord]
) -> None:
    """Five unfinished uploads on a pool of two: the old code's third one already waited out the pool (500 instead
    of 100 Continue), and so did every request after it. Now the caller's check gives its connection back. Their
    clients hanging up is no server error: nothing is logged as one."""
    with serve(patient) as live:
        bob, adm = _token(live.base_url, "bob"), _token(live.base_url, "adm")
        with ExitStack() as held, httpx.Client(base_url=live.base_url, timeout=WAIT_S) as http:
            for _ in range(3):
                held.enter_context(_stall(live.base_url, IMPORT, bob))
            for _ in range(2):
                held.enter_context(_stall(live.base_url, "/api/uploads", adm, multipart=True))
            me = http.get("/api/me", headers={"Authorization": f"Bearer {bob}"})
            assert me.status_code == 200, me.text
            carol = _token(live.base_url, "carol")
            r = http.post(IMPORT, content=json.dumps(SPOTIFY), headers={"Authorization": f"Bearer {carol}"})
            assert r.status_code == 202, r.text  # another account's upload goes through, body and all
        # the uploads cut off by their client leave no partial file behind
        _eventually(lambda: not _partial_files(patient), "partial uploads left in the temp area")
    errors = [r for r in caplog.records + uvicorn_errors if r.levelno >= logging.ERROR]
    assert not errors  # the server has stopped: all handled, nothing logged by Encore or by uvicorn (review21b F6)


def test_one_account_may_send_only_so_many_uploads_at_once(patient: Container) -> None:
    """The fourth of one account's uploads is refused before a byte of it is read, in Encore's error shape with
    Retry-After; other accounts are not held by it, and once one of the three ends the account may send again."""
    with serve(patient) as live, httpx.Client(base_url=live.base_url, timeout=WAIT_S) as http, ExitStack() as held:
        bob, adm = _token(live.base_url, "bob"), _token(live.base_url, "adm")
        first = held.enter_context(_stall(live.base_url, IMPORT, bob))
        for _ in range(2):
            held.enter_context(_stall(live.base_url, IMPORT, bob))
        auth = {"Authorization": f"Bearer {bob}"}
        r = http.post(IMPORT, content=json.dumps(SPOTIFY), headers=auth)
        assert r.status_code == 429, r.text
        assert r.json()["error"]["code"] == "too_many_uploads"
        assert r.headers["retry-after"] == "60"
        form = {"file": ("a.mp3", b"not audio")}
        refused = http.post("/api/uploads", files=form, headers={"Authorization": f"Bearer {adm}"})
        assert refused.status_code == 200, refused.text  # an admin's upload: read, tried, and told why it failed
        assert refused.json()["failed"], refused.text
        first.close()
        _eventually(lambda: http.post(IMPORT, content=b"[]", headers=auth).status_code != 429, "slot never freed")
        held.close()
        _eventually(lambda: not _partial_files(patient), "partial uploads left in the temp area")


def test_a_stalled_import_is_answered_408_and_its_partial_file_removed(impatient: Container) -> None:
    with serve(impatient) as live:
        bob = _token(live.base_url, "bob")
        with _stall(live.base_url, IMPORT, bob) as sock:
            assert _partial_files(impatient)  # the byte sent is on disk while the server waits for the rest
            status, body = _reply(sock)
        assert status == 408, body
        error = body["error"]
        assert isinstance(error, dict) and error["code"] == "body_stalled" and "send it again" in error["message"]
        assert not _partial_files(impatient)
        with httpx.Client(base_url=live.base_url, timeout=WAIT_S) as http:  # nothing held: the next one is taken
            r = http.post(IMPORT, content=json.dumps(SPOTIFY), headers={"Authorization": f"Bearer {bob}"})
            assert r.status_code == 202, r.text


def test_a_stalled_audio_upload_is_answered_408(impatient: Container) -> None:
    with serve(impatient) as live:
        adm = _token(live.base_url, "adm")
        with _stall(live.base_url, "/api/uploads", adm, multipart=True) as sock:
            status, body = _reply(sock)
        assert status == 408, body
        assert body["error"]["code"] == "body_stalled"  # type: ignore[index]


def _raw(base_url: str, head: str, body: bytes = b"") -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=WAIT_S)
    sock.sendall(head.encode() + body)
    return sock


def test_a_subsonic_form_declared_over_the_limit_stalls_into_408_too(impatient: Container) -> None:
    """review21b F1: a /rest/ form declared over the body limit is read for its first 16 KiB (its `f` may be
    there), and that read had no bound: anyone, signed in or not, could hold a connection for ever. It is
    within the same bound as any body now, answered in the format the query asks for."""
    head = (
        "POST /rest/ping?f=json HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {2 * 1024 * 1024}\r\n\r\n"
    )
    with serve(impatient) as live, _raw(live.base_url, head, b"u=bob&") as sock:
        status, body = _reply(sock)
    assert status == 408, body
    assert body["subsonic-response"]["status"] == "failed"  # type: ignore[index]


def test_time_the_server_took_before_asking_for_the_body_is_not_the_clients(settings: Settings) -> None:
    """review21b F4: the pace's clock started when the request arrived, so a client that waited for 100 Continue
    while the server waited for a pooled connection got the 100 and then an immediate 408. It starts at the
    route's first read now. The one pooled connection is held here for longer than the idle bound."""
    for c in _container(settings, db_pool_size=1, body_idle_timeout_s=1.5, db_pool_timeout_s=10.0):
        with serve(c) as live:
            bob = _token(live.base_url, "bob")
            body = json.dumps(SPOTIFY).encode()
            head = (
                f"POST {IMPORT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {bob}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
            )
            with c.engine.connect() as held:  # the pool's only connection, for 2.5 s: the caller's check waits
                sock = _raw(live.base_url, head)
                time.sleep(2.5)
                held.rollback()
            with sock:
                interim = _read_head(sock)
                assert interim.startswith(b"HTTP/1.1 100"), interim
                sock.sendall(body)
                status, answer = _reply(sock)
            assert status == 202, answer


def test_an_import_upload_in_flight_survives_an_ingest_runs_sweep(patient: Container) -> None:
    """fixingest27's note: a history import waits in the store's `.tmp/` while its body arrives, and an ingest run
    that found the store alone emptied `.tmp/` (its sweep of a crash's leftovers): the listener's upload was lost.
    The upload now holds the store (`MediaStore.writing`) until its job has the file, so the run leaves the sweep
    to a later one."""
    body = json.dumps(SPOTIFY).encode()
    with serve(patient) as live:
        bob = _token(live.base_url, "bob")
        host, port = live.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=WAIT_S) as sock:
            sock.sendall(
                f"POST {IMPORT}?filename=StreamingHistory0.json HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {bob}\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n".encode()
            )
            assert _read_head(sock).startswith(b"HTTP/1.1 100")
            sock.sendall(body[:1])
            _eventually(lambda: _partial_files(patient), "the upload's file in .tmp/")
            run = run_ingest(paths=[], session_factory=patient.sessions, store=patient.store, label_override=None,
                             workers=1, progress=None)  # fmt: skip
            assert not run.failed
            assert _partial_files(patient), "the run's sweep took the upload in flight"
            sock.sendall(body[1:])
            status, answer = _reply(sock)
    assert status == 202, answer
