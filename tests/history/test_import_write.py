"""The write side of an import: a batch's already-kept listens are skipped whether or not the pre-check
looks them up (it looks only when the batch's first listens are kept), and counts stay exact."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import ListenIn, Play, submit_listens
from encore.history._listens import PRECHECK_SAMPLE

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)


def _listens(first: int, last: int) -> list[ListenIn]:
    return [
        ListenIn(listened_at=T0 + timedelta(minutes=4 * i), artist_name=f"Band {i % 7}", track_name=f"Song {i}")
        for i in range(first, last)
    ]


def _count(c: Container, uid: int) -> int:
    with c.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Play).where(Play.user_id == uid)) or 0)


def test_kept_listens_after_new_ones_are_skipped_and_not_counted_as_new(container: Container) -> None:
    """The pre-check samples the batch's first listens: here they are new, so it does not look the rest
    up; the kept ones after them must still be skipped by the insert and not counted."""
    with transaction(container.sessions) as s:
        uid = create_user(s, username="resume", password="listener-pass-1").id
    late = 2 * PRECHECK_SAMPLE
    with transaction(container.sessions) as s:
        assert submit_listens(s, user_id=uid, listens=_listens(late, late + 300), source="import", now=NOW) == 300
    with transaction(container.sessions) as s:
        added = submit_listens(s, user_id=uid, listens=_listens(0, late + 300), source="import", now=NOW)
    assert added == late and _count(container, uid) == late + 300
    with transaction(container.sessions) as s:  # all kept: the pre-check finds them, nothing is written
        assert submit_listens(s, user_id=uid, listens=_listens(0, late + 300), source="import", now=NOW) == 0
    assert _count(container, uid) == late + 300


def test_write_transactions_follow_the_time_budget() -> None:
    """Chunk sizing is a pure rule: slower than the budget shrinks, faster grows (at most 2x a step), both bounded."""
    from encore.portability._import import CHUNK_MAX, CHUNK_MIN, WRITE_BUDGET_S, next_chunk

    assert next_chunk(2_000, 2 * WRITE_BUDGET_S) == 1_000  # twice too slow: half the size
    assert next_chunk(2_000, WRITE_BUDGET_S / 1.5) == 3_000  # a bit fast: grows by the pace
    assert next_chunk(2_000, WRITE_BUDGET_S / 100) == 4_000  # much too fast: at most twice
    assert next_chunk(CHUNK_MAX, 0.0) == CHUNK_MAX and next_chunk(CHUNK_MIN, 100.0) == CHUNK_MIN
