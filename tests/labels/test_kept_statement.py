"""An open month's statement is computed once and shared (review19 F3: every label dashboard load recomputed
the whole month for all labels, seconds of CPU each at millions of plays). On both databases and both shared
states; cost is counted in computations, never timed."""

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from encore import labels
from encore.accounts import User
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.labels import Statement, StatementBusy, _kept, _statements, for_label, statement
from encore.state import SharedState
from tests.labels.world import AFTER, MID, MONTH, TERMS, build, play


class Counted:
    """compute_month as it is, counted; `gate` (when set) holds each computation until it is opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, gate: threading.Event | None = None) -> None:
        self.months: list[str] = []
        self.started = threading.Event()
        real = _statements.compute_month

        def counting(*args: Any, **kwargs: Any) -> Statement:
            self.months.append(kwargs["month"])
            self.started.set()
            if gate is not None:
                assert gate.wait(30)
            return real(*args, **kwargs)

        monkeypatch.setattr(_statements, "compute_month", counting)


def _read(container: Container, state: SharedState, *, now: Any = AFTER, month: str = MONTH) -> Statement:
    with container.sessions() as s:
        return statement(s, month=month, terms=TERMS, now=now, state=state)


def _in_thread(fn: Callable[[], Statement]) -> tuple[threading.Thread, list[Statement]]:
    out: list[Statement] = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    return t, out


def test_an_open_month_is_computed_once_for_every_label_and_says_when(
    container: Container, state: SharedState, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
    counted = Counted(monkeypatch)
    reads = [_read(container, state, now=AFTER + timedelta(minutes=i)) for i in range(5)]
    assert counted.months == [MONTH]
    assert all(r == reads[0] for r in reads) and reads[0].as_of == AFTER and reads[0].status == "open"
    ours, theirs = for_label(reads[1], w.ours_label_id), for_label(reads[2], w.theirs_label_id)
    assert [ln.artist_name for ln in ours.lines] == ["Ours Band"]
    assert [ln.artist_name for ln in theirs.lines] == ["=Theirs Band"]
    assert reads[0].streams == 6 and reads[0].pool_cents == 4206  # the same figures the month computes
    with transaction(container.sessions) as s:  # a late stream: counted at the next computation
        sub2, track = s.scalar(select(User).where(User.username == "sub2")), s.get_one(Track, w.b.id)
        assert sub2 is not None
        play(s, sub2, track, ms=60_000, at=MID + timedelta(hours=2))
    assert _read(container, state, now=AFTER + timedelta(seconds=_kept.FRESH_S - 1)).streams == 6  # still kept
    later = AFTER + timedelta(seconds=_kept.FRESH_S + 1)
    fresh = _read(container, state, now=later)
    assert (fresh.streams, fresh.as_of) == (7, later) and counted.months == [MONTH, MONTH]
    other_terms = labels.Terms(payout_share_pct=50, currency="EUR")  # other terms are another statement
    with container.sessions() as s:
        assert statement(s, month=MONTH, terms=other_terms, now=later, state=state).payout_share_pct == 50
    assert len(counted.months) == 3


def test_one_computation_at_a_time_and_the_others_wait_for_it(
    container: Container, state: SharedState, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(container.sessions) as s:
        build(s)
    gate = threading.Event()
    counted = Counted(monkeypatch, gate)
    first, first_out = _in_thread(lambda: _read(container, state))
    assert counted.started.wait(30)  # the first request is computing
    second, second_out = _in_thread(lambda: _read(container, state))
    second.join(0.5)
    try:
        assert second.is_alive() and not second_out  # waiting for the month, not answering nothing
    finally:
        gate.set()
    first.join(30)
    second.join(30)
    assert counted.months == [MONTH]  # the second reused the first's
    assert first_out == second_out and first_out[0].streams == 6


def test_while_one_recomputes_the_others_answer_the_older_one(
    container: Container, state: SharedState, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(container.sessions) as s:
        build(s)
    gate = threading.Event()
    counted = Counted(monkeypatch, gate)
    gate.set()
    old = _read(container, state)
    gate.clear()
    counted.started.clear()
    later = AFTER + timedelta(seconds=_kept.FRESH_S + 1)
    first, first_out = _in_thread(lambda: _read(container, state, now=later))
    try:
        assert counted.started.wait(30) and len(counted.months) == 2
        assert _read(container, state, now=later) == old  # at once, stamped with when it was computed
    finally:
        gate.set()
    first.join(30)
    assert first_out[0].as_of == later and _read(container, state, now=later).as_of == later
    assert len(counted.months) == 2


def test_nothing_kept_and_the_month_held_too_long_is_busy(
    container: Container, state: SharedState, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = Counted(monkeypatch)
    monkeypatch.setattr(_kept, "WAIT_S", 0.0)
    key = f"lease:labels:statement:{MONTH}:{TERMS.currency}:{TERMS.payout_share_pct}"
    lease = state.acquire(key, limit=1, lease_s=60)  # another worker computing it (or died doing so)
    assert lease is not None
    with pytest.raises(StatementBusy):
        _read(container, state)
    state.release(lease)
    assert _read(container, state).status == "open" and counted.months == [MONTH]


def test_a_month_without_streams_reads_no_catalogue(
    container: Container, state: SharedState, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(container.sessions) as s:
        build(s)
    pairs: list[int] = []
    real = _statements.pairs_of_tracks

    def counting(session: Any) -> Any:
        pairs.append(1)
        return real(session)

    monkeypatch.setattr(_statements, "pairs_of_tracks", counting)
    far = _read(container, state, month="2000-02")
    assert (far.streams, far.lines, far.pool_cents, pairs) == (0, [], 0, [])
    assert _read(container, state, month="2026-09").lines == [] and pairs == []  # before the first subscription
    assert _read(container, state).streams == 6 and pairs == [1]
