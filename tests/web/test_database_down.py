"""probe21b F4: with PostgreSQL stopped, log-in and stream requests answered 500 "internal error", where the same
requests with Redis stopped answered 503 with Retry-After. A database that cannot be reached is an outage to
wait out, on every face: 503, Retry-After, each face's own shape. Run against the real driver's errors: the
app's sessions are pointed at a port where nothing listens, or where a "server" hangs up at once."""

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from encore.bootstrap import Container
from encore.db import is_unreachable, transaction
from encore.web._errors import DB_DOWN_MESSAGE
from tests.catalog import factories as f
from tests.support.media import add_rendition
from tests.web.conftest import login


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def hangs_up() -> Iterator[int]:
    """A port whose listener closes each connection at once, as a server going down does."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    server.close()


def _unreachable_at(database_url: str, port: int) -> str:
    return make_url(database_url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


TRACK = {"artist_name": "Band", "track_name": "Song"}


def _stream_url(c: Container, client: TestClient, token: str) -> str:
    """A signed URL of a track this listener may play, asked for while the database answers."""
    with transaction(c.sessions) as s:
        artist = f.artist(s, "Band")
        track = f.track(s, "Song", f.album(s, "Record", artist), [artist], duration_ms=120_000)
        add_rendition(c, s, track)
        track_id = track.public_id
    r = client.post(f"/api/tracks/{track_id}/stream", json={}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return str(r.json()["url"])


@pytest.mark.parametrize("down", ["refused", "hung_up"])
def test_every_face_answers_503_with_retry_after_while_postgresql_is_down(
    container: Container, client: TestClient, listener: str, database_url: str, hangs_up: int, down: str
) -> None:
    if not database_url.startswith("postgresql"):
        with pytest.raises(OperationalError) as sqlite_error:  # SQLite has no server: a broken file is a bug
            create_engine("sqlite:////nonexistent-dir/x.db").connect()
        assert not is_unreachable(sqlite_error.value)
        return
    token = login(client, listener)
    stream_url = _stream_url(container, client, token)
    port = _free_port() if down == "refused" else hangs_up
    dead = create_engine(_unreachable_at(database_url, port), connect_args={"connect_timeout": 2})
    container.sessions.configure(bind=dead)
    try:
        me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 503, me.text
        assert me.headers["Retry-After"] == "5" and me.json()["error"]["code"] == "busy"
        assert me.json()["error"]["message"] == DB_DOWN_MESSAGE  # probe25b L5: an outage, not load
        sign_in = client.post("/api/auth/login", json={"username": listener, "password": "x" * 12})
        assert sign_in.status_code == 503 and sign_in.headers["Retry-After"] == "5", sign_in.text
        sub = client.get("/rest/ping", params={"u": listener, "p": "whatever", "v": "1.16.1", "c": "t", "f": "json"})
        assert sub.status_code == 503 and sub.headers["Retry-After"] == "5", sub.text
        assert sub.json()["subsonic-response"]["status"] == "failed"
        v1 = client.get("/v1/me", headers={"Authorization": "Bearer not-a-real-token"})
        assert v1.status_code == 503 and v1.headers["Retry-After"] == "5", v1.text
        assert v1.json()["error"]["status"] == 503
        listens = {"listen_type": "single", "payload": [{"listened_at": 1_700_000_000, "track_metadata": TRACK}]}
        lb = client.post("/1/submit-listens", json=listens, headers={"Authorization": "Token some-listen-token"})
        assert lb.status_code == 503 and lb.headers["Retry-After"] == "5", lb.text  # review21b F2: was 500
        assert lb.json() == {"code": 503, "error": "The database cannot be reached; try again in a moment."}
        audio = client.get(stream_url, headers={"Range": "bytes=0-3"})
        assert audio.status_code == 503 and audio.headers["Retry-After"] == "5", audio.text  # review21b F5
    finally:
        container.sessions.configure(bind=container.engine)
        dead.dispose()
    with container.engine.connect() as conn:  # and back once it answers, nothing to restart
        assert conn.execute(text("select 1")).scalar() == 1
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_each_warning_of_an_unreachable_database_is_one_line(
    container: Container, client: TestClient, listener: str, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """probe24a F3: psycopg's message runs over two lines (the second tab-indented) and SQLAlchemy adds a third,
    "(Background on this error at: ...)", so each request's warning took 2-3 lines and its `[METHOD path]` tag
    landed on the last. Every face's warning: one line, the driver's message, no link, no SQL."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to be unreachable (the test above checks it is never taken for one)")
    token = login(client, listener)
    stream_url = _stream_url(container, client, token)
    dead = create_engine(_unreachable_at(database_url, _free_port()), connect_args={"connect_timeout": 2})
    container.sessions.configure(bind=dead)
    caplog.set_level(logging.WARNING, logger="encore")
    try:
        assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 503
        sub = client.get("/rest/ping", params={"u": listener, "p": "whatever", "v": "1.16.1", "c": "t", "f": "json"})
        assert sub.status_code == 503
        assert client.get("/v1/me", headers={"Authorization": "Bearer not-a-real-token"}).status_code == 503
        assert client.get(stream_url, headers={"Range": "bytes=0-3"}).status_code == 503
    finally:
        container.sessions.configure(bind=container.engine)
        dead.dispose()
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for start in ("database unreachable: ", "subsonic busy: ", "/v1 busy: ", "stream: busy or unreachable: "):
        assert any(line.startswith(start) for line in said), (start, said)
    for line in said:
        assert "\n" not in line and "\t" not in line, line
        assert "Background on this error" not in line and "[SQL:" not in line, line
        assert "(psycopg.OperationalError) connection failed: " in line and "Is the server running" in line, line
