"""Redis failing as an upload's slot is released (review21b F7), under uvicorn as `encore serve` runs it, with the
suite's real redis-server stopped once the server has asked for the body and before its last bytes are sent.

The slot's release raised the state's outage out of the upload's body reader: a fully received upload was answered
503 (the client sends it all again) and its parsed form was never closed. The upload's work is done by then, so its
answer is its own; the slot lapses by itself when its lease runs out. (The old code's unclosed form also shows here
as an unclosed SpooledTemporaryFile's ResourceWarning, an error in this suite.)"""

import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from encore.accounts import Role, create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from tests.ingest import corpus as c
from tests.support.live import serve
from tests.support.redis import RedisServer
from tests.web.test_upload_stalls import WAIT_S, _read_head, _token

PASSWORD = "upload-pass-1"
BOUNDARY = "encore-release-test"


@pytest.fixture
def on_redis(settings: Settings, redis_server: RedisServer) -> Iterator[Container]:
    shared = {"redis_url": redis_server.url, "redis_prefix": redis_server.new_prefix()}
    container = build(settings.model_copy(update=shared))
    with transaction(container.sessions) as s:
        create_user(s, username="adm", password=PASSWORD, role=Role.ADMIN)
    yield container
    container.close()


def _form(flac: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="late.flac"\r\n'
        "Content-Type: audio/flac\r\n\r\n"
    )
    return head.encode() + flac + f"\r\n--{BOUNDARY}--\r\n".encode()


def _upload_with_redis_gone_at_the_end(base_url: str, token: str, body: bytes, redis_server: RedisServer) -> bytes:
    """POST /api/uploads: the head (the server checks the caller, then asks for the body: 100 Continue), all of
    the body but its last bytes, Redis stopped, the last bytes; the raw answer."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=WAIT_S) as sock:
        head = (
            f"POST /api/uploads HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode())
        interim = _read_head(sock)
        assert interim.startswith(b"HTTP/1.1 100"), interim
        sock.sendall(body[:-10])
        redis_server.stop()
        sock.sendall(body[-10:])
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


@pytest.mark.xdist_group("redis_restart")
def test_redis_gone_as_the_slot_is_released_leaves_the_upload_its_own_answer(
    on_redis: Container, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Redis is back as soon as the failed release is logged (a blip at that moment): the upload's own work, which
    needs Redis, then runs as it would have. The old code answered 503 (Redis then still down) and logged nothing."""
    flac = c.write_flac(tmp_path / "x.flac", c.tone(1.5, 440), title="Late Slot", artist="Up").read_bytes()
    with serve(on_redis) as live, _back_when_logged(redis_server) as said:
        token = _token(live.base_url, "adm")
        raw = _upload_with_redis_gone_at_the_end(live.base_url, token, _form(flac), redis_server)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split()[1] == b"200", raw[:2000]
    assert json.loads(body)["imported"] == 1, body
    assert len(said) == 1 and "not released" in said[0] and "lease" in said[0], said


@contextmanager
def _back_when_logged(redis_server: RedisServer) -> Iterator[list[str]]:
    """Start the stopped Redis again once the upload gate logs a warning (what it logs, listed); at the end in any
    case, so the session's other tests have it."""
    said: list[str] = []

    class Restart(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.append(record.getMessage())
            if redis_server.process is None:
                redis_server.start()

    gate, handler = logging.getLogger("encore.web._upload_gate"), Restart(logging.WARNING)
    gate.addHandler(handler)
    try:
        yield said
    finally:
        gate.removeHandler(handler)
        if redis_server.process is None:
            redis_server.start()
