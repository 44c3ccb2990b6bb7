"""`db.write_lock`: a read that decides a write, made by several transactions at once, is made one at a time.
Each racer reads the highest number taken and takes the next: without the lock (a SELECT outside any
transaction on SQLite, READ COMMITTED on PostgreSQL) several read the same highest and take the same number."""

import threading
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.db import transaction, write_lock
from encore.db._locks import lock_space
from tests.support.races import race

RACERS = 6


def _take_next(locked: bool, read_together: threading.Barrier | None = None) -> Callable[[Session], str]:
    def move(s: Session) -> str:
        if locked:
            write_lock(s, "numbers")
        highest = s.execute(text("SELECT COALESCE(MAX(n), 0) FROM taken_numbers")).scalar_one()
        if read_together is not None:  # every racer has read before any writes: the window, held open
            read_together.wait(timeout=30)
        s.execute(text("INSERT INTO taken_numbers (n) VALUES (:n)"), {"n": highest + 1})
        return "taken"

    return move


def _numbers(container: Container) -> list[int]:
    with container.sessions() as s:
        return sorted(s.execute(text("SELECT n FROM taken_numbers")).scalars())


def _table(container: Container) -> None:
    with transaction(container.sessions) as s:
        s.execute(text("CREATE TABLE taken_numbers (n INTEGER NOT NULL)"))


def test_racers_under_the_write_lock_each_take_their_own_number(container: Container) -> None:
    _table(container)
    assert race(container, [_take_next(locked=True)] * RACERS) == ["taken"] * RACERS
    assert _numbers(container) == list(range(1, RACERS + 1))


def test_without_it_racers_take_the_same_number(container: Container) -> None:
    """The test above can fail: the same moves without the lock take one number twice. The racers all read
    before any of them writes (a barrier between the read and the write), so the window is certain, not a
    matter of timing on a loaded machine (it was five tries of luck, and failed under a full suite's load)."""
    _table(container)
    race(container, [_take_next(locked=False, read_together=threading.Barrier(RACERS))] * RACERS)
    assert _numbers(container) == [1] * RACERS


def test_lock_spaces_are_stable_signed_32_bit_numbers() -> None:
    assert lock_space("money") == lock_space("money") != lock_space("keys")
    assert all(-(1 << 31) <= lock_space(name) < 1 << 31 for name in ("money", "keys", "", "x" * 100))
