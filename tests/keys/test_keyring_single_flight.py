"""Requests that need the keyring read while a read is under way share it (one read, not one each), on SQLite
and PostgreSQL. Reads are the SELECTs of the keyring table the database is sent; each is slowed here so that
every thread arrives while the first runs. When a stored seal is worth a read: tests/devices/test_reread_rule.py."""

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from encore.bootstrap import Container
from encore.db import transaction
from encore.keys import KeyringCache, rotate_keys

THREADS = 8


@pytest.fixture
def slow_reads(container: Container) -> Iterator[list[float]]:
    """When each keyring read began; each takes 0.3 s more than the database needs."""
    began: list[float] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "signing_keys" in statement:
            began.append(time.monotonic())
            time.sleep(0.3)

    event.listen(container.engine, "before_cursor_execute", seen)
    yield began
    event.remove(container.engine, "before_cursor_execute", seen)


def _at_once(call: Callable[[], object]) -> list[object]:
    gate, out = threading.Barrier(THREADS), []

    def run() -> None:
        gate.wait()
        out.append(call())

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(out) == THREADS
    return out


def test_concurrent_rechecks_share_one_read(container: Container, slow_reads: list[float]) -> None:
    """The old leftover: each concurrent wrong app password passed the bound's age check, then read in turn."""
    cache = KeyringCache(container.sessions)
    got = _at_once(cache.recheck)
    assert len(slow_reads) == 1, f"{len(slow_reads)} reads for {THREADS} concurrent rechecks"
    assert all(ring is not None for ring in got)  # the waiting ones get the shared read, not a refusal
    assert cache.recheck() is None and len(slow_reads) == 1  # then the bound holds


def test_concurrent_requests_for_a_newer_key_share_one_read(container: Container, slow_reads: list[float]) -> None:
    cache = KeyringCache(container.sessions)
    assert cache.refresh().active.kid == 0
    with transaction(container.sessions) as s:
        rotate_keys(s, now=container.clock.now(), grace=timedelta(hours=1))
    slow_reads.clear()
    got = _at_once(lambda: cache.holding(1))
    assert len(slow_reads) == 1, f"{len(slow_reads)} reads for {THREADS} concurrent requests for key 1"
    assert {ring.active.kid for ring in got if ring is not None} == {1} and None not in got


def test_a_key_no_read_finds_is_not_read_for_at_once_again(container: Container, slow_reads: list[float]) -> None:
    """A seal naming a key the table lacks (a database restored behind its rows) would otherwise make every
    request for that account read: after one read that did not find it, the bound applies."""
    cache = KeyringCache(container.sessions)
    cache.refresh()
    slow_reads.clear()
    assert cache.holding(7) is not None and len(slow_reads) == 1
    for _ in range(10):
        cache.holding(7)
    assert len(slow_reads) == 1
