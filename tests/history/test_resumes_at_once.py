"""fix30a, on fix29a's leftover ("two resumes at the same moment can each write a record replacing the same older
one"): two resends of a deleted play's "now playing" at the same instant (an app's two connections, or a retry
racing its first try) keep one record, and the deleted play stays deleted. They cannot interleave: a scrobble reads
the listener's records inside `history.report_play`, under the listener's report lock (`write_lock("play_reports")`,
held to commit), so the second reads what the first committed and replaces it. Two threads, each its own connection,
meet at that lock; SQLite and PostgreSQL. This passes on main as it was (no change was needed); without the lock
(its key made random) the PostgreSQL cases leave two records, so the test holds the lock to its job."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.history import Play
from encore.history import _service as history_service
from encore.jobs import Job
from encore.portability import FORGET_PLAY, RESUMED_PLAY
from tests.history.scrobbling import listener_and_track, scrobble
from tests.history.test_resumed_after_delete import _delete_only_play


def _both_at_the_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each resend waits for the other at the listener's report lock (`history.report_play`), before either has read
    its records: the two arrive at the same instant, and only the lock orders them."""
    met, real = threading.Barrier(2, timeout=60), history_service.write_lock

    def write_lock(session: Session, name: str, key: int = 0) -> None:
        if name == "play_reports":
            met.wait()
        real(session, name, key)

    monkeypatch.setattr(history_service, "write_lock", write_lock)


@pytest.mark.parametrize("before", [0, 1], ids=["first-resume", "after-a-resume"])
def test_two_resends_at_the_same_instant_keep_one_record(
    container: Container, t0: datetime, monkeypatch: pytest.MonkeyPatch, before: int
) -> None:
    uid, tid, public_id = listener_and_track(container, "resumer")
    scrobble(container, uid, tid, public_id, now=t0, submission=False)
    _delete_only_play(container, uid)
    for n in range(before):  # a record there already, which both resends replace
        scrobble(container, uid, tid, public_id, now=t0 + timedelta(minutes=1 + n), submission=False)
    at = t0 + timedelta(minutes=2)
    _both_at_the_lock(monkeypatch)
    failed: list[BaseException] = []

    def resend() -> None:
        try:
            scrobble(container, uid, tid, public_id, now=at, submission=False)
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=resend) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failed and not any(t.is_alive() for t in threads)
    monkeypatch.undo()
    with container.sessions() as s:
        kinds = list(s.scalars(select(Job.kind).where(Job.user_id == uid).order_by(Job.id)))
        plays = list(s.scalars(select(Play.id).where(Play.user_id == uid)))
    assert kinds == [FORGET_PLAY, RESUMED_PLAY], "two resends at once left a record each"
    assert plays == []
    scrobble(container, uid, tid, public_id, now=at + timedelta(minutes=2), submission=True, at=at)
    with container.sessions() as s:
        assert list(s.scalars(select(Play.id).where(Play.user_id == uid))) == []  # its listen stays deleted too
