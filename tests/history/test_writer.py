"""The group-commit writer: submissions that arrive together share a transaction, yet each gets its own
answer, and one that fails (here: a listener deleted meanwhile) fails alone."""

import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import is_busy, transaction
from encore.history import ListenIn, ListenWriter, Play, queue_listens, submit_listens, write_queued

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)


def _listens(n: int, tag: str) -> list[ListenIn]:
    return [
        ListenIn(listened_at=T0 + timedelta(minutes=i), artist_name="Band", track_name=f"{tag} {i}") for i in range(n)
    ]


def _submit(writer: ListenWriter, *, user_id: int, listens: list[ListenIn], source: str, now: datetime) -> int:
    """Store listens through the writer as the ListenBrainz face does (a job), waiting for the commit."""

    def job(session: Session) -> int:
        return submit_listens(session, user_id=user_id, listens=listens, source=source, now=now)

    return writer.run(job, size=len(listens)).result(timeout=60)


def test_concurrent_submissions_each_answered_with_their_own_count_and_a_bad_one_fails_alone(
    container: Container,
) -> None:
    with transaction(container.sessions) as s:
        good = create_user(s, username="good", password="listener-pass-1").id
    writer = ListenWriter(container.sessions, max_batch=10_000)
    results: dict[str, object] = {}
    start = threading.Barrier(9)

    def send(name: str, user_id: int, listens: list[ListenIn]) -> None:
        start.wait()
        try:
            results[name] = _submit(writer, user_id=user_id, listens=listens, source="test", now=NOW)
        except Exception as exc:  # the test looks at what each submitter got
            results[name] = exc

    threads = [threading.Thread(target=send, args=(f"t{i}", good, _listens(5 + i, f"t{i}"))) for i in range(8)]
    threads.append(threading.Thread(target=send, args=("ghost", 987_654, _listens(3, "ghost"))))  # no such user
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    assert {k: v for k, v in results.items() if k != "ghost"} == {f"t{i}": 5 + i for i in range(8)}
    assert isinstance(results["ghost"], Exception)
    with transaction(container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Play)) == sum(5 + i for i in range(8))


def test_the_same_listens_twice_are_new_once(container: Container) -> None:
    with transaction(container.sessions) as s:
        uid = create_user(s, username="twice", password="listener-pass-1").id
    writer = ListenWriter(container.sessions)
    try:
        assert _submit(writer, user_id=uid, listens=_listens(20, "x"), source="test", now=NOW) == 20
        assert _submit(writer, user_id=uid, listens=_listens(25, "x"), source="test", now=NOW) == 5
    finally:
        writer.close()


@pytest.mark.parametrize("batch", [1, 3])
def test_small_batches_still_write_everything(container: Container, batch: int) -> None:
    with transaction(container.sessions) as s:
        uid = create_user(s, username="small", password="listener-pass-1").id
    writer = ListenWriter(container.sessions, max_batch=batch)
    try:
        counts = [_submit(writer, user_id=uid, listens=_listens(2, f"b{i}"), source="test", now=NOW) for i in range(4)]
    finally:
        writer.close()
    assert counts == [2, 2, 2, 2]


def test_a_locked_database_fails_the_whole_batch_at_once_then_writes_again(container: Container) -> None:
    """Busy is everyone's answer (a 503 at the edge): retrying each submission alone would make each
    wait out the lock again, so a batch of seven must cost one wait, not eight."""
    if container.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer lock")
    with transaction(container.sessions) as s:
        uid = create_user(s, username="locked", password="listener-pass-1").id
    event.listen(container.engine, "connect", lambda conn, _rec: conn.execute("PRAGMA busy_timeout=300"))
    container.engine.dispose()  # new connections get the short wait
    attempts: list[int] = []
    event.listen(container.engine, "begin", lambda _conn: attempts.append(1))
    path = container.engine.url.database
    assert path
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer = ListenWriter(container.sessions)
    errors: list[BaseException] = []

    def send(tag: str) -> None:
        try:
            _submit(writer, user_id=uid, listens=_listens(2, tag), source="test", now=NOW)
        except Exception as exc:  # the test looks at what each submitter got
            errors.append(exc)

    try:
        first = threading.Thread(target=send, args=("first",))
        first.start()
        time.sleep(0.1)  # the writer is now waiting on the lock with the first submission alone
        rest = [threading.Thread(target=send, args=(f"r{i}",)) for i in range(7)]
        for t in rest:
            t.start()
        for t in [first, *rest]:
            t.join()
        assert len(errors) == 8 and all(is_busy(e) for e in errors)
        assert len(attempts) <= 3  # the first alone, the seven queued behind it together (one split at most)
        holder.rollback()
        assert _submit(writer, user_id=uid, listens=_listens(2, "after"), source="test", now=NOW) == 2
    finally:
        holder.close()
        writer.close()


def test_queued_singles_of_a_batch_are_stored_together_once_and_a_bad_one_fails_alone(container: Container) -> None:
    """Small submissions queue their rows (history.queue_listens) and the batch stores them in one
    statement: the same listen from two submissions of a batch is one row, another listener's same
    listen is theirs, and a submission for a listener deleted meanwhile fails without the others."""
    with transaction(container.sessions) as s:
        ann = create_user(s, username="ann", password="listener-pass-1").id
        bob = create_user(s, username="bob", password="listener-pass-1").id
    writer = ListenWriter(container.sessions)

    def single(user_id: int, title: str) -> Callable[[Session], str]:
        def job(session: Session) -> str:
            listen = [ListenIn(listened_at=T0, artist_name="Band", track_name=title)]
            queue_listens(session, user_id=user_id, listens=listen, source="test", now=NOW)
            return title

        return job

    hold = threading.Event()
    writer.run(lambda _s: hold.wait(5), size=1)  # the writer waits here while the batch below queues up
    jobs = [(ann, "one"), (ann, "one"), (bob, "one"), (ann, "two"), (987_654, "ghost"), (bob, "three")]
    futures = [writer.run(single(uid, title)) for uid, title in jobs]
    hold.set()
    try:
        answers = []
        for future in futures:
            try:
                answers.append(future.result(timeout=30))
            except Exception:  # the ghost's: its listener does not exist
                answers.append("failed")
    finally:
        writer.close()
    assert answers == ["one", "one", "one", "two", "failed", "three"]
    with transaction(container.sessions) as s:
        kept = sorted((p.user_id, p.track_name) for p in s.scalars(select(Play)))
    assert kept == [(ann, "one"), (ann, "two"), (bob, "one"), (bob, "three")]


def test_queued_listens_without_the_writer_are_stored_by_write_queued(container: Container) -> None:
    with transaction(container.sessions) as s:
        uid = create_user(s, username="solo", password="listener-pass-1").id
        queue_listens(s, user_id=uid, listens=_listens(3, "q"), source="test", now=NOW)
        queue_listens(s, user_id=uid, listens=_listens(4, "q"), source="test", now=NOW)
        assert write_queued(s) == 4
        assert write_queued(s) == 0  # the queue is emptied


def test_a_submission_given_up_on_is_not_written_and_the_writer_goes_on(container: Container) -> None:
    """The ListenBrainz endpoint's wait times out by cancelling its future: if the writer had not started
    it, it is skipped (the client was told 503 and sends it again); the writer thread survives."""
    with transaction(container.sessions) as s:
        uid = create_user(s, username="late", password="listener-pass-1").id
    writer = ListenWriter(container.sessions)
    hold = threading.Event()
    try:
        writer.run(lambda _s: hold.wait(5))
        given_up = writer.run(
            lambda s: submit_listens(s, user_id=uid, listens=_listens(2, "gone"), source="t", now=NOW)
        )
        assert given_up.cancel()
        hold.set()
        assert _submit(writer, user_id=uid, listens=_listens(3, "kept"), source="test", now=NOW) == 3
    finally:
        writer.close()
    with transaction(container.sessions) as s:
        assert {p.track_name for p in s.scalars(select(Play))} == {"kept 0", "kept 1", "kept 2"}
