"""Late money on SQLite and PostgreSQL: subscription money for a closed month that arrives after the close (a
renewal paid on a card retry) or goes back (a refund) is carried into the first open month after it, once,
as a stated adjustment split by the closed month's own streams; the closed statement never changes."""

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from encore.accounts import create_user
from encore.billing import Payment
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import Conflict
from encore.labels import RoyaltyStatement, close_month, compute_month, for_label, pool_notes, statement, to_csv
from encore.state import MemoryState, SharedState
from tests.labels.world import AFTER, MONTH, PASSWORD, TERMS, build, pay, play

DEC, JAN, FEB = "2026-12", "2027-01", "2027-02"
DEC_OPEN = datetime(2026, 12, 20, tzinfo=UTC)  # November closed on 5 December; December still open
DEC_SETTLED = datetime(2027, 1, 5, tzinfo=UTC)
JAN_SETTLED = datetime(2027, 2, 5, tzinfo=UTC)
RETRY_SPAN = (datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 12, 16, tzinfo=UTC))  # 15 days in each


def _csv_pro_rata(text: str) -> int:
    return sum(int(row["pro_rata_cents"]) for row in csv.DictReader(io.StringIO(text)))


def _late_world(s: object) -> object:
    """The world, and a listener `late` who streamed Song B in November but whose renewal for 16 November to
    16 December failed; November closes on 5 December without their money."""
    w = build(s)  # type: ignore[arg-type]
    late = create_user(s, username="late", password=PASSWORD)  # type: ignore[arg-type]
    play(s, late, w.b, ms=60_000)  # type: ignore[arg-type]
    return w, late


def test_a_renewal_paid_after_its_month_closed_is_carried_into_the_next_statement(container: Container) -> None:
    with transaction(container.sessions) as s:
        w, late = _late_world(s)  # type: ignore[misc]
        nov = close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        pay(s, late, RETRY_SPAN)  # Stripe's smart retry succeeds on 20 December
        dec = statement(s, month=DEC, terms=TERMS, now=DEC_OPEN, state=MemoryState())
        again = statement(s, month=DEC, terms=TERMS, now=DEC_OPEN, state=MemoryState())
        nov_now = statement(s, month=MONTH, terms=TERMS, now=DEC_OPEN, state=MemoryState())
        theirs = for_label(dec, w.theirs_label_id)
    # November's statement is what was paid: the late payment does not move it.
    assert nov_now == nov and nov.subscription_cents == 4200 and nov.streams == 7
    # December carries November's half of the 30.00 (1500) x 70 %: split by November's own streams
    # (Ours 4, Theirs 3), and user-centric to what `late` streamed in November (Theirs).
    assert dec.subscription_cents == (3000 + 3000 + 1500) * 70 // 100  # its own days, as before
    [adj] = dec.adjustments
    assert (adj.for_month, adj.subscription_cents, adj.user_centric_unallocated_cents) == (MONTH, 1050, 0)
    assert {ln.artist_name: (ln.streams, ln.pro_rata_cents, ln.user_centric_cents) for ln in adj.lines} == {
        "Ours Band": (4, 600, 0),
        "=Theirs Band": (3, 450, 1050),
    }
    assert dec.late_cents == 1050 and again.adjustments == dec.adjustments  # recomputed: the same, not twice
    assert [a.for_month for a in theirs.adjustments] == [MONTH]
    assert [ln.artist_name for ln in theirs.adjustments[0].lines] == ["=Theirs Band"]
    assert any("late revenue for 2026-11: 10.50 EUR" in note for note in pool_notes(theirs))


def test_late_money_is_paid_once_in_the_statement_that_closes_with_it(container: Container) -> None:
    with transaction(container.sessions) as s:
        _w, late = _late_world(s)  # type: ignore[misc]
        close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        pay(s, late, RETRY_SPAN)
        dec = close_month(s, month=DEC, terms=TERMS, admin_id=1, now=DEC_SETTLED)
        with pytest.raises(Conflict):
            close_month(s, month=DEC, terms=TERMS, admin_id=1, now=DEC_SETTLED)
        dec_later = statement(s, month=DEC, terms=TERMS, now=JAN_SETTLED, state=MemoryState())
        jan = compute_month(s, month=JAN, terms=TERMS)
        jan_closed = close_month(s, month=JAN, terms=TERMS, admin_id=1, now=JAN_SETTLED)
        feb = compute_month(s, month=FEB, terms=TERMS)
    assert [(a.for_month, a.subscription_cents) for a in dec.adjustments] == [(MONTH, 1050)]
    assert dec_later == dec  # stored with December, read back as closed
    assert jan.adjustments == jan_closed.adjustments == feb.adjustments == []  # carried once, never again


def test_what_labels_are_paid_over_the_closed_statements_includes_the_late_money(container: Container) -> None:
    """The whole money trail as the admin's CSV exports show it: before late money was carried, the late
    renewal's November days (10.50) were in no statement."""
    with transaction(container.sessions) as s:
        _w, late = _late_world(s)  # type: ignore[misc]
        close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        pay(s, late, RETRY_SPAN)
        close_month(s, month=DEC, terms=TERMS, admin_id=1, now=DEC_SETTLED)
        close_month(s, month=JAN, terms=TERMS, admin_id=1, now=JAN_SETTLED)
        paid = [
            _csv_pro_rata(to_csv(statement(s, month=m, terms=TERMS, now=JAN_SETTLED, state=MemoryState())))
            for m in (MONTH, DEC, JAN)
        ]
    # November's pool, all shared (it had streams); December and January had no streams of their own, so the
    # only money their CSVs pay out is November's late 10.50, in December's.
    assert paid == [4206, 1050, 0]


def test_a_refund_after_the_close_is_carried_as_a_negative_adjustment(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        nov = close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        s.execute(
            update(Payment)
            .where(Payment.user_id == w.sub1.id, Payment.period_start == datetime(2026, 11, 1, tzinfo=UTC))
            .values(refunded_cents=1000)
        )
        dec = close_month(s, month=DEC, terms=TERMS, admin_id=1, now=DEC_SETTLED)
        s.execute(
            update(Payment)
            .where(Payment.user_id == w.sub1.id, Payment.period_start == datetime(2026, 11, 1, tzinfo=UTC))
            .values(refunded_cents=3000)
        )  # the rest refunded in January
        jan = compute_month(s, month=JAN, terms=TERMS)
        nov_now = statement(s, month=MONTH, terms=TERMS, now=JAN_SETTLED, state=MemoryState())
    assert nov_now == nov
    [adj] = dec.adjustments
    assert (adj.for_month, adj.subscription_cents) == (MONTH, -700)
    # pro-rata by November's streams (Ours 4, Theirs 2); user-centric from what sub1 streamed (Ours only)
    assert {ln.artist_name: (ln.pro_rata_cents, ln.user_centric_cents) for ln in adj.lines} == {
        "Ours Band": (-467, -700),
        "=Theirs Band": (-233, 0),
    }
    [more] = jan.adjustments  # only what was refunded since December closed
    assert (more.for_month, more.subscription_cents) == (MONTH, -1400)
    assert any("refunds after the close for 2026-11: -7.00 EUR" in n for n in pool_notes(dec))


def test_the_cents_a_carry_rounds_off_are_carried_by_a_later_one(container: Container) -> None:
    """review22m F6: each carry rounded its own part down and counted the whole change as carried, so the labels'
    fraction of a cent was gone at every carry. Two refunds of 10.01 (7.007 each at 70 %): December carries
    -7.00; January carries the running total's -14.01 less those, -7.01, not -7.00 again."""
    with transaction(container.sessions) as s:
        w = build(s)
        close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        nov_1 = Payment.user_id == w.sub1.id, Payment.period_start == datetime(2026, 11, 1, tzinfo=UTC)
        s.execute(update(Payment).where(*nov_1).values(refunded_cents=1001))
        dec = close_month(s, month=DEC, terms=TERMS, admin_id=1, now=DEC_SETTLED)
        s.execute(update(Payment).where(*nov_1).values(refunded_cents=2002))
        jan = close_month(s, month=JAN, terms=TERMS, admin_id=1, now=JAN_SETTLED)
        s.execute(update(Payment).where(*nov_1).values(refunded_cents=2003))  # 0.7 of a cent more
        feb = compute_month(s, month=FEB, terms=TERMS)
    assert [a.subscription_cents for a in dec.adjustments] == [-700]
    assert [(a.subscription_cents, a.user_centric_unallocated_cents) for a in jan.adjustments] == [(-701, 0)]
    assert sum(ln.pro_rata_cents for ln in jan.adjustments[0].lines) == -701
    assert sum(ln.user_centric_cents for ln in jan.adjustments[0].lines) == -701
    assert [a.subscription_cents for a in feb.adjustments] == [-1]  # -14.021 in all, -14.01 carried: -0.01 more


def test_late_money_goes_to_the_first_open_month_after_the_closed_one(container: Container) -> None:
    with transaction(container.sessions) as s:
        _w, late = _late_world(s)  # type: ignore[misc]
        close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=JAN_SETTLED)
        pay(s, late, RETRY_SPAN)
        dec = compute_month(s, month=DEC, terms=TERMS)
        jan = compute_month(s, month=JAN, terms=TERMS)  # December is still open: it carries November's money
        close_month(s, month=JAN, terms=TERMS, admin_id=1, now=JAN_SETTLED)  # closed out of order
        dec_after = compute_month(s, month=DEC, terms=TERMS)
        feb = compute_month(s, month=FEB, terms=TERMS)
    assert (
        [a.subscription_cents for a in dec.adjustments]
        == [1050]
        == [a.subscription_cents for a in dec_after.adjustments]
    )
    assert jan.adjustments == [] and feb.adjustments == []


def test_a_month_closed_before_late_money_was_kept_carries_nothing(container: Container) -> None:
    """Months closed before migration money22_1 kept no record of what each payment brought them: all their
    money would look late. They are left as they were, and said so in the migration."""
    with transaction(container.sessions) as s:
        _w, late = _late_world(s)  # type: ignore[misc]
        close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        s.execute(update(RoyaltyStatement).values(payments_counted=False))
        pay(s, late, RETRY_SPAN)
        dec = compute_month(s, month=DEC, terms=TERMS)
    assert dec.adjustments == []


def test_late_rows_in_the_csv_are_marked_and_formula_safe(container: Container) -> None:
    with transaction(container.sessions) as s:
        w, late = _late_world(s)  # type: ignore[misc]
        close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        pay(s, late, RETRY_SPAN)
        text = to_csv(for_label(compute_month(s, month=DEC, terms=TERMS), w.theirs_label_id))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "late_for"
    assert rows[1:] == [[DEC, "open", "Theirs", rows[1][3], "'=Theirs Band", "3", "450", "1050", "EUR", MONTH]]


def test_an_open_months_adjustments_survive_being_kept_on_the_shared_state(
    container: Container, state: SharedState
) -> None:
    """Every label's dashboard reads the open month from the shared state (labels._kept), in process or on
    Redis: what it reads back carries the same adjustments, lines and all."""
    with transaction(container.sessions) as s:
        _w, late = _late_world(s)  # type: ignore[misc]
        close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        pay(s, late, RETRY_SPAN)
        first = statement(s, month=DEC, terms=TERMS, now=DEC_OPEN, state=state)
    with container.sessions() as s:
        s.execute(update(Payment).values(amount_cents=1))  # a recomputation would differ: this is the kept one
        kept = statement(s, month=DEC, terms=TERMS, now=DEC_OPEN, state=state)
    assert kept == first and [a.subscription_cents for a in kept.adjustments] == [1050]
    assert kept.adjustments[0].lines == first.adjustments[0].lines and len(kept.adjustments[0].lines) == 2
