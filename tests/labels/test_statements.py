"""Monthly statements on SQLite and PostgreSQL: the pool, both splits, exact cents, closed months."""

from datetime import UTC, datetime, timedelta

import pytest

from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.kernel import Conflict, ValidationFailed
from encore.labels import close_month, compute_month, for_label, statement, to_csv
from encore.playback import VerifiedStream
from encore.state import MemoryState
from tests.labels.world import AFTER, MID, MONTH, TERMS, build, play


def _by_artist(s: object) -> dict[str, tuple[int, int, int]]:
    return {ln.artist_name: (ln.streams, ln.pro_rata_cents, ln.user_centric_cents) for ln in s.lines}  # type: ignore[attr-defined]


def test_pool_and_both_splits(container: Container) -> None:
    with transaction(container.sessions) as s:
        build(s)
        st = compute_month(s, month=MONTH, terms=TERMS)
    # Two subscribers paid 3000 for the month, 70 % of it is paid out; 3 impressions at 20.00 CPM.
    assert (st.subscription_cents, st.ad_cents, st.pool_cents) == (4200, 6, 4206)
    # Counted streams: A 3 (sub1) + 1 (free); B 1 (sub2) + 1 (free). Under 30 s, ads and October don't count.
    assert st.streams == 6
    lines = _by_artist(st)
    assert lines["Ours Band"] == (4, 2804, 2103)  # pro-rata 4206 * 4/6; user-centric 2100 + 6 * 1/2
    assert lines["=Theirs Band"] == (2, 1402, 2103)
    assert sum(v[1] for v in lines.values()) == st.pool_cents
    assert sum(v[2] for v in lines.values()) + st.user_centric_unallocated_cents == st.pool_cents


def test_a_subscriber_who_did_not_listen_is_unallocated_in_the_user_centric_model(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        s.query(Play).filter(Play.user_id == w.sub2.id).delete()
        s.query(VerifiedStream).filter(VerifiedStream.user_id == w.sub2.id).delete()
        st = compute_month(s, month=MONTH, terms=TERMS)
    lines = _by_artist(st)
    assert st.user_centric_unallocated_cents == 2100
    assert lines["=Theirs Band"][2] == 3  # only the free listener's ad money
    assert sum(v[1] for v in lines.values()) == st.pool_cents  # pro-rata still shares everything


def test_a_closed_month_never_changes(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        before = statement(s, month=MONTH, terms=TERMS, now=AFTER, state=MemoryState())
        assert before.status == "open"
        with pytest.raises(ValidationFailed):
            close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=MID)  # not over yet
        closed = close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        with pytest.raises(Conflict):
            close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
    with transaction(container.sessions) as s:
        # Late reports for November, and a price change, arrive after the close.
        for _ in range(5):
            play(s, w.sub2, w.b, ms=90_000, at=MID + timedelta(hours=1))
        terms = TERMS.__class__(100, "EUR")
        again = statement(s, month=MONTH, terms=terms, now=AFTER + timedelta(days=40), state=MemoryState())
        live = compute_month(s, month=MONTH, terms=terms)
    assert again.status == "closed" and again.closed_at == AFTER
    assert again.lines == closed.lines == before.lines
    assert (again.pool_cents, again.streams) == (before.pool_cents, before.streams)
    assert live.streams == before.streams + 5  # the live figure did move; the closed one did not


def test_label_view_and_csv_are_safe(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        st = for_label(statement(s, month=MONTH, terms=TERMS, now=AFTER, state=MemoryState()), w.theirs_label_id)
        with pytest.raises(ValidationFailed):
            statement(s, month="2027-02", terms=TERMS, now=AFTER, state=MemoryState())
    assert [ln.artist_name for ln in st.lines] == ["=Theirs Band"]
    text = to_csv(st)
    rows = text.splitlines()
    assert rows[0].startswith("month,status,label,artist_id,artist")
    assert ",'=Theirs Band," in rows[1] and ",2,1402,2103,EUR" in rows[1]
    assert not any(cell.startswith("=") for row in rows for cell in row.split(","))


def test_rounding_is_exact_with_many_awkward_shares(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        for i in range(7):
            play(s, w.free, w.b if i % 3 else w.a, ms=31_000, at=datetime(2026, 11, 20, tzinfo=UTC))
        st = compute_month(s, month=MONTH, terms=TERMS.__class__(33, "EUR"))
    assert sum(ln.pro_rata_cents for ln in st.lines) == st.pool_cents
    assert sum(ln.user_centric_cents for ln in st.lines) + st.user_centric_unallocated_cents == st.pool_cents


def test_closing_a_month_without_streams_keeps_its_money_unallocated(container: Container) -> None:
    with transaction(container.sessions) as s:
        build(s)
        st = close_month(s, month="2026-10", terms=TERMS, admin_id=1, now=AFTER)
    # October: the two subscribers paid for all 31 days, but nobody streamed in the catalogue's month
    # except one play on the 31st, which counts. A 31-day month of a monthly plan is one payment, not 31/30.
    assert st.status == "closed" and st.streams == 1
    assert st.subscription_cents == 2 * 3000 * 70 // 100
    assert sum(ln.pro_rata_cents for ln in st.lines) == st.pool_cents
    with transaction(container.sessions) as s:
        empty = close_month(s, month="2026-09", terms=TERMS, admin_id=1, now=AFTER)
    assert empty.lines == [] and empty.streams == 0
