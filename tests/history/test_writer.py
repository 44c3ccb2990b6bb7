"""The group-commit writer: submissions that arrive together share a transaction, yet each gets its own
answer, and one that fails (here: a listener deleted meanwhile) fails alone."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import ListenIn, ListenWriter, Play

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)


def _listens(n: int, tag: str) -> list[ListenIn]:
    return [
        ListenIn(listened_at=T0 + timedelta(minutes=i), artist_name="Band", track_name=f"{tag} {i}") for i in range(n)
    ]


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
            results[name] = writer.submit(user_id=user_id, listens=listens, source="test", now=NOW)
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
        assert writer.submit(user_id=uid, listens=_listens(20, "x"), source="test", now=NOW) == 20
        assert writer.submit(user_id=uid, listens=_listens(25, "x"), source="test", now=NOW) == 5
    finally:
        writer.close()


@pytest.mark.parametrize("batch", [1, 3])
def test_small_batches_still_write_everything(container: Container, batch: int) -> None:
    with transaction(container.sessions) as s:
        uid = create_user(s, username="small", password="listener-pass-1").id
    writer = ListenWriter(container.sessions, max_batch=batch)
    try:
        counts = [writer.submit(user_id=uid, listens=_listens(2, f"b{i}"), source="test", now=NOW) for i in range(4)]
    finally:
        writer.close()
    assert counts == [2, 2, 2, 2]
