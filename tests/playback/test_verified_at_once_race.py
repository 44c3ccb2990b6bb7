"""At most AT_ONCE counted plays of one listener begun within VERIFY_MIN_MS of each other, however many workers
or nodes record them at the same instant. The hostile probe (session 14) streamed several tracks in parallel
through two `encore serve` nodes and got 2 to 4 plays counted: each recorder counted the plays already written,
saw room, and inserted, before seeing the other's uncommitted row.

The race is made certain here, not left to timing: recorder A writes its play and holds its transaction open;
recorder B (another connection, as another worker or node has) runs until it is about to write (or is
blocked on the listener's lock), and only then A commits."""

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.playback import Verified, VerifiedStream, play_key_secret, record_verified_stream
from encore.playback._verified import play_key
from tests.catalog import factories as f

SECRET = play_key_secret("a-test-secret-key-of-at-least-32-characters")


def _plays(container: Container) -> list[Verified]:
    """Three plays of three tracks by one listener, their first bytes 1 s apart (one listener, one pair of ears)."""
    with transaction(container.sessions) as s:
        fan = create_user(s, username="fan", password="fan-password-1")
        band = f.artist(s, "Band")
        album = f.album(s, "LP", band)
        songs = [f.track(s, f"Song {n}", album, [band], number=n, duration_ms=60_000) for n in (1, 2, 3)]
        at = container.clock.now() - timedelta(hours=1)
        out = []
        for n, song in enumerate(songs):
            first = at + timedelta(seconds=n)
            first_us = int(first.timestamp() * 1_000_000)
            key = play_key(SECRET, user=fan.public_id, track=song.public_id, first_us=first_us)
            out.append(Verified(fan.public_id, song.public_id, key, first, 35_000))
        return out


def _counted(container: Container) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(VerifiedStream)) or 0


def test_two_recorders_at_the_same_instant_count_at_most_two(container: Container) -> None:
    first, second, third = _plays(container)
    with transaction(container.sessions) as s:
        assert record_verified_stream(s, verified=first)

    engine = container.sessions.kw["bind"]
    b_reached = threading.Event()
    b_result: list[bool] = []
    b_thread: list[int] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # B is about to take the listener's lock, or to write its row: from here it can only wait for A
        text = statement.lower()
        if threading.get_ident() in b_thread and ("advisory" in text or "insert into verified_streams" in text):
            b_reached.set()

    def recorder_b() -> None:
        b_thread.append(threading.get_ident())
        with transaction(container.sessions) as s:
            b_result.append(record_verified_stream(s, verified=third))

    event.listen(engine, "before_cursor_execute", watch)
    try:
        with container.sessions() as a, a.begin():
            assert record_verified_stream(a, verified=second)  # written, not yet committed
            worker = threading.Thread(target=recorder_b)
            worker.start()
            assert b_reached.wait(30), "recorder B never reached its lock or its write"
        worker.join(30)
        assert not worker.is_alive()
    finally:
        event.remove(engine, "before_cursor_execute", watch)

    assert b_result == [False]  # B waited for A and then saw two plays alongside its own
    assert _counted(container) == 2


def test_a_play_outside_the_window_still_counts(container: Container) -> None:
    """The lock serialises, it does not refuse: the third track, played again VERIFY_MIN_MS after the first
    two began, counts."""
    first, second, third = _plays(container)
    with transaction(container.sessions) as s:
        assert record_verified_stream(s, verified=first)
        assert record_verified_stream(s, verified=second)
        assert not record_verified_stream(s, verified=third)
    at = third.first_byte_at + timedelta(seconds=40)
    key = play_key(SECRET, user=third.user, track=third.track, first_us=int(at.timestamp() * 1_000_000))
    with transaction(container.sessions) as s:
        assert record_verified_stream(s, verified=Verified(third.user, third.track, key, at, 35_000))
    assert _counted(container) == 3
