"""review23 F4: an embedded server (no Redis) reads the sign-outs other processes wrote (`CutoffLog`) before it
answers a stream request. With PostgreSQL unreachable that read raised, so every stream answered 503, even of a
file the resolver keeps serving through an outage (review22b F5), and every request tried the read again. And
requests queued behind one read's lock, each then making its own connect of up to the connect timeout. Now an
unreachable or busy database is read again a second later, the cutoffs held answering meanwhile (no sign-out
can be written while it is down), and one read runs at a time. Against the real driver: the sessions are pointed
at a port where nothing listens, or where a "server" takes the connection and never says a word."""

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from encore import accounts
from encore.accounts import CutoffLog, StreamCutoffs, issue_epoch
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import is_busy, is_unreachable, transaction
from encore.state import MemoryState
from encore.web import create_app
from tests.web.test_database_down import _free_port, _unreachable_at
from tests.web.test_stream_sign_out import _status, _url, track_id

REFUSED = (403, "stream URL refused: signed_out\n")


@dataclass
class Silent:
    """A port whose listener takes each connection and never answers on it, as a host behind a firewall that
    drops the packets makes a client wait its whole connect timeout."""

    port: int
    taken: list[socket.socket] = field(default_factory=list)


@pytest.fixture
def silent() -> Iterator[Silent]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    found = Silent(int(server.getsockname()[1]))
    stop = threading.Event()

    def take() -> None:
        while not stop.is_set():
            try:
                found.taken.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    yield found
    stop.set()
    thread.join()
    for conn in found.taken:
        conn.close()
    server.close()


def _postgresql_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose (`is_unreachable` is never true of it)")


def _sign_out_elsewhere(settings: Settings, username: str) -> None:
    """`encore security sign-out --user` as another process makes it: a row this server's memory never saw."""
    other = build(settings)
    try:
        with transaction(other.sessions) as s:
            user = accounts.get_user_by_name(s, username=username)
            assert user is not None
            accounts.sign_out_account(s, user_id=user.id, cutoffs=other.stream_cutoffs)
    finally:
        other.close()


def test_a_kept_file_streams_and_held_cutoffs_refuse_while_postgresql_is_unreachable(
    container: Container, settings: Settings, database_url: str
) -> None:
    _postgresql_only(database_url)
    assert settings.redis_url is None and container.stream_cutoffs._log is not None  # the embedded default
    # a read of the log on every request (the server's reads it once a second), so no waiting for the next one
    container.stream_cutoffs = StreamCutoffs(
        container.state, ttl_s=settings.stream_url_ttl_s, log=CutoffLog(container.sessions, poll_s=0.0)
    )
    track = track_id(container)
    with TestClient(create_app(container), base_url="http://testserver") as client:
        alices, bobs = _url(client, "alice", track), _url(client, "bob", track)
        _sign_out_elsewhere(settings, "alice")
        assert _status(client, alices) == REFUSED  # read from the log
        assert _status(client, bobs) == (206, "")  # the file is kept by the resolver now
        dead = create_engine(_unreachable_at(database_url, _free_port()), connect_args={"connect_timeout": 2})
        container.sessions.configure(bind=dead)
        try:
            for _ in range(3):  # each tries the log (refused at once) and answers from the cutoffs held
                assert _status(client, bobs) == (206, "")  # was: 503 "busy: try again in a moment"
                assert _status(client, alices) == REFUSED
        finally:
            container.sessions.configure(bind=container.engine)
            dead.dispose()
        _sign_out_elsewhere(settings, "bob")  # and back once it answers: the next read finds the new rows
        assert _status(client, bobs) == REFUSED


def _asked_at_once(cutoffs: StreamCutoffs, asked: list[tuple[str, int]]) -> list[bool | BaseException]:
    """Stream requests that reach the check at the same moment, as a busy server's do."""

    async def ask() -> list[bool | BaseException]:
        return await asyncio.gather(
            *(cutoffs.alive(user_public_id=u, generation=g) for u, g in asked), return_exceptions=True
        )

    return asyncio.run(ask())


def _alice_signed_out_elsewhere(container: Container) -> tuple[tuple[int, str, str], int]:
    """alice and bob, and alice signed out by another process (only its row reaches this one): (alice's row id,
    alice's and bob's public ids), and the generation of URLs made before."""
    with transaction(container.sessions) as s:
        alice, bob = (accounts.create_user(s, username=n, password="password-123") for n in ("alice", "bob"))
        users, before = (alice.id, alice.public_id, bob.public_id), issue_epoch(s)
    with transaction(container.sessions) as s:
        accounts.sign_out_account(s, user_id=users[0], cutoffs=StreamCutoffs(MemoryState(), ttl_s=3600))
    return users, before


def test_once_read_a_slow_database_costs_one_connect_and_no_request_waits_for_it(
    container: Container, database_url: str, silent: Silent
) -> None:
    """A read once held, the log is read again while the database takes every connect's whole timeout: the
    request that reads waits for it and answers from what is held, the others answer at once (they queued
    behind the read's lock and then each made its own connect: N requests, N connect timeouts)."""
    _postgresql_only(database_url)
    users, before = _alice_signed_out_elsewhere(container)
    cutoffs = StreamCutoffs(MemoryState(), ttl_s=3600, log=CutoffLog(container.sessions, poll_s=0.0))
    assert _asked_at_once(cutoffs, [(users[1], before)]) == [False]  # the log read once

    slow = create_engine(_unreachable_at(database_url, silent.port), connect_args={"connect_timeout": 2})
    container.sessions.configure(bind=slow)
    try:
        answers = _asked_at_once(cutoffs, [(users[1], before), (users[2], before)] * 3)
    finally:
        container.sessions.configure(bind=container.engine)
        slow.dispose()
    assert answers == [False, True] * 3  # was: OperationalError (connection timeout expired), for each
    assert len(silent.taken) == 1  # one read tried; was: one per request, one after another


def test_before_any_read_requests_share_the_one_slow_connect(
    container: Container, database_url: str, silent: Silent
) -> None:
    """Before its first read a server holds no cutoff, not even those its URLs predate (a restart), so it cannot
    answer; requests that waited for that read fail with it, without a connect each."""
    _postgresql_only(database_url)
    cutoffs = StreamCutoffs(MemoryState(), ttl_s=3600, log=CutoffLog(container.sessions, poll_s=0.0))
    slow = create_engine(_unreachable_at(database_url, silent.port), connect_args={"connect_timeout": 2})
    container.sessions.configure(bind=slow)
    try:
        answers = _asked_at_once(cutoffs, [("alice000000000000000000", 0)] * 4)
    finally:
        container.sessions.configure(bind=container.engine)
        slow.dispose()
    assert all(isinstance(a, OperationalError) and is_unreachable(a) for a in answers), answers  # 503 each
    assert len(silent.taken) == 1  # was: 4, one after another (4 connect timeouts for the last)
    assert _asked_at_once(cutoffs, [("alice000000000000000000", 0)]) == [True]  # read once the database answers


def _while_locked(container: Container, ask: Callable[[], list[bool | BaseException]]) -> list[bool | BaseException]:
    """`ask()` while another connection holds `stream_cutoffs` locked (ACCESS EXCLUSIVE, as a migration's ALTER
    TABLE does), so a read of it waits for the lock. It must answer while the lock is still held: the lock is
    let go only after a minute, or once it has answered."""
    answered: list[list[bool | BaseException]] = []
    with container.engine.connect() as locker:
        locker.exec_driver_sql("LOCK TABLE stream_cutoffs IN ACCESS EXCLUSIVE MODE")
        asker = threading.Thread(target=lambda: answered.append(ask()), daemon=True)
        asker.start()
        asker.join(timeout=60)
        waited = asker.is_alive()
        locker.rollback()
    asker.join()
    assert not waited, "the read waited for the lock: no bound"
    return answered[0]


def test_a_read_held_by_a_lock_answers_from_the_cutoffs_held_within_its_bound(
    container: Container, database_url: str
) -> None:
    """The log's read on a live PostgreSQL that does not answer (the table locked; a server too busy alike) held
    the request that read, and every cutoff written meanwhile, for as long as it waited. Now the server cancels
    it past `READ_BOUND_S` (SQLSTATE 57014, busy), and the request answers from the cutoffs held."""
    _postgresql_only(database_url)
    users, before = _alice_signed_out_elsewhere(container)
    cutoffs = StreamCutoffs(MemoryState(), ttl_s=3600, log=CutoffLog(container.sessions, poll_s=0.0))
    asked = [(users[1], before), (users[2], before)]
    assert _asked_at_once(cutoffs, asked) == [False, True]  # the log read once
    assert _while_locked(container, lambda: _asked_at_once(cutoffs, asked)) == [False, True]


def test_a_first_read_held_by_a_lock_fails_as_busy_within_its_bound(container: Container, database_url: str) -> None:
    """Before any read is held there is nothing to answer from: the request fails as busy (503, try again), not
    after however long the lock is held."""
    _postgresql_only(database_url)
    cutoffs = StreamCutoffs(MemoryState(), ttl_s=3600, log=CutoffLog(container.sessions, poll_s=0.0))
    (answer,) = _while_locked(container, lambda: _asked_at_once(cutoffs, [("alice000000000000000000", 0)]))
    assert isinstance(answer, OperationalError) and is_busy(answer), answer
    assert _asked_at_once(cutoffs, [("alice000000000000000000", 0)]) == [True]  # read once the lock is gone
