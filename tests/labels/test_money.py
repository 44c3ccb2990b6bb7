"""What a statement's pool counts, on SQLite and PostgreSQL: money actually received, and no more.

Premium money comes from payments (paid invoices less refunds) spread over the periods they paid for; a
grant, a code, a trial or an unpaid (past_due) period brings none. Ads pay for at most the impressions
their advertiser bought. A closed month never moves, whatever happens to the accounts afterwards.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from encore.accounts import User, create_user
from encore.ads import AdBreak, AdCampaign
from encore.billing import Payment, Subscription, create_codes, grant_premium, redeem_code
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import ValidationFailed
from encore.labels import SETTLEMENT, close_month, compute_month, statement
from encore.state import MemoryState
from tests.labels.world import AFTER, MID, MONTH, PASSWORD, TERMS, build, month, pay, play

OCT, NOV = month(2026, 10), month(2026, 11)


def test_a_listener_who_lapses_and_renews_is_not_counted_for_the_gap(container: Container) -> None:
    """F2: one subscription row per listener, created in August; paid for August, lapsed, renewed in
    November. September and October bring nothing (the probe saw October's pool grow from the row's
    created_at to period_end)."""
    with transaction(container.sessions) as s:
        w = build(s)
        back = create_user(s, username="back", password=PASSWORD)
        s.add(
            Subscription(
                user_id=back.id, plan="premium-monthly", state="active", provider="stripe",
                created_at=datetime(2026, 8, 1, tzinfo=UTC), period_end=NOV[1],
            )
        )  # fmt: skip
        pay(s, back, month(2026, 8))
        pay(s, back, NOV)
        play(s, back, w.a, ms=60_000, at=datetime(2026, 10, 5, tzinfo=UTC))  # listened in the gap, as free
        october = compute_month(s, month="2026-10", terms=TERMS)
        november = compute_month(s, month=MONTH, terms=TERMS)
        september = compute_month(s, month="2026-09", terms=TERMS)
    assert october.subscription_cents == 2 * 3000 * 70 // 100  # sub1 and sub2 only
    assert september.subscription_cents == 0
    assert november.subscription_cents == 3 * 3000 * 70 // 100


def test_grants_codes_trials_and_past_due_bring_no_money(container: Container) -> None:
    """F11: Premium that no one paid for is not revenue."""
    now = datetime(2026, 10, 20, tzinfo=UTC)
    with transaction(container.sessions) as s:
        build(s)
        s.execute(delete(Payment))  # only what follows counts
        for name in ("granted", "coded", "trial", "late"):
            create_user(s, username=name, password=PASSWORD)
        grant_premium(s, user_public_id=_pid(s, "granted"), plan="premium-monthly", days=60, now=now)
        code = create_codes(s, admin_id=None, plan="premium-monthly", days=60, count=1, now=now)[0]
        redeem_code(s, user_id=_id(s, "coded"), code=code, now=now)
        s.add(
            Subscription(
                user_id=_id(s, "trial"), plan="premium-monthly", state="trialing", trial_end=now + timedelta(days=30)
            )
        )
        # A card that failed at renewal: past_due with a period running through November, no paid invoice.
        s.add(
            Subscription(
                user_id=_id(s, "late"), plan="premium-monthly", state="past_due", provider="stripe",
                created_at=datetime(2026, 10, 1, tzinfo=UTC), period_end=datetime(2026, 12, 1, tzinfo=UTC),
            )
        )  # fmt: skip
        s.flush()
        st = compute_month(s, month=MONTH, terms=TERMS)
    assert st.subscription_cents == 0
    assert st.ad_cents == 6  # the world's three impressions still count


def test_a_refund_takes_its_money_out_of_the_pool(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        row = s.scalar(select(Payment).where(Payment.user_id == w.sub1.id, Payment.period_start == NOV[0]))
        assert row is not None
        row.refunded_cents = 1000
        half = compute_month(s, month=MONTH, terms=TERMS)
        row.refunded_cents = 3000
        whole = compute_month(s, month=MONTH, terms=TERMS)
    assert half.subscription_cents == (2000 + 3000) * 70 // 100
    assert whole.subscription_cents == 3000 * 70 // 100
    # sub1 streamed Ours Band only; with their money refunded, user-centric pays Ours nothing of it.
    assert {ln.artist_name: ln.user_centric_cents for ln in whole.lines}["Ours Band"] == 3  # half the ad money


def test_a_payment_in_another_currency_is_not_added_to_this_one(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        pay(s, w.free, NOV, cents=5000, currency="USD")
        st = compute_month(s, month=MONTH, terms=TERMS)
    assert st.subscription_cents == 4200


def test_a_period_across_two_months_pays_each_its_days_and_no_more(container: Container) -> None:
    """F12: a 31-day month, a 30-day month, a period from the 15th to the 15th; the parts add up."""
    with transaction(container.sessions) as s:
        w = build(s)
        s.execute(delete(Payment))
        pay(s, w.sub1, (datetime(2026, 10, 15, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC)), cents=3100)
        pay(s, w.sub2, (datetime(2026, 11, 15, tzinfo=UTC), datetime(2026, 12, 15, tzinfo=UTC)), cents=3000)
        terms = TERMS.__class__(100, "EUR")
        october, november, december = (compute_month(s, month=m, terms=terms) for m in ("2026-10", MONTH, "2026-12"))
    assert october.subscription_cents == 1700  # 17 of the period's 31 days
    assert november.subscription_cents == 1400 + 1600  # 14 of 31 days, 16 of 30 days
    assert december.subscription_cents == 1400  # 14 of 30 days
    assert october.subscription_cents + november.subscription_cents + december.subscription_cents == 3100 + 3000


def test_ads_pay_for_no_more_impressions_than_the_campaign_bought(container: Container) -> None:
    """F3: breaks handed out before the budget ran out finish after it; the extra impressions are not paid."""
    with transaction(container.sessions) as s:
        w = build(s)
        campaign = s.scalar(select(AdCampaign))
        assert campaign is not None
        s.execute(update(AdCampaign).values(budget_impressions=4, impressions=7))
        at = datetime(2026, 10, 31, tzinfo=UTC)  # one impression in October uses one of the four
        s.add(AdBreak(user_id=w.free.id, campaign_id=campaign.id, duration_ms=15_000, issued_at=at, completed_at=at))
        for i in range(3):  # three more in November, after the world's three
            at = MID + timedelta(hours=1, minutes=i)
            s.add(
                AdBreak(user_id=w.sub1.id, campaign_id=campaign.id, duration_ms=15_000, issued_at=at, completed_at=at)
            )
        s.flush()
        november = compute_month(s, month=MONTH, terms=TERMS)
        december = compute_month(s, month="2026-12", terms=TERMS)
        october = compute_month(s, month="2026-10", terms=TERMS)
    # Budget 4 at 20.00 CPM: the advertiser pays 8 cents in all. October 2, November the next three (6), and
    # nothing for sub1's three nor December's one.
    assert (october.ad_cents, november.ad_cents, december.ad_cents) == (2, 6, 0)


def test_deleting_an_account_leaves_its_payments_and_closed_months_alone(container: Container) -> None:
    """F12: the money a listener paid stays received when the account goes; a closed month stays as it was."""
    with transaction(container.sessions) as s:
        w = build(s)
        closed = close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        before_dec = compute_month(s, month="2026-12", terms=TERMS)
    with transaction(container.sessions) as s:
        s.execute(delete(User).where(User.id.in_([w.sub1.id, w.free.id])))  # a subscriber, and the ad listener
    with transaction(container.sessions) as s:
        again = statement(s, month=MONTH, terms=TERMS, now=AFTER, state=MemoryState())
        live = compute_month(s, month=MONTH, terms=TERMS)
        december = compute_month(s, month="2026-12", terms=TERMS)
        kept = s.scalars(select(Payment.user_id).where(Payment.period_start == NOV[0])).all()
    assert again == closed
    # Recomputed, November still has every cent and every stream; only whose money it was is forgotten.
    assert (live.ad_cents, live.subscription_cents, live.streams) == (6, 4200, closed.streams)
    assert [(ln.artist_name, ln.pro_rata_cents) for ln in live.lines] == [
        (ln.artist_name, ln.pro_rata_cents) for ln in closed.lines
    ]
    assert december.subscription_cents == before_dec.subscription_cents == 4200
    assert december.user_centric_unallocated_cents == before_dec.user_centric_unallocated_cents  # nobody streamed
    assert sorted(kept, key=str) == sorted([None, w.sub2.id], key=str)


def test_a_month_closed_once_settled_holds_exactly_its_own_events(container: Container) -> None:
    """F12: months are [start, end): a stream at the last microsecond is November's, one at 00:00 on the
    first of December is December's, so closing misses nothing of November and takes nothing of December."""
    end = NOV[1]
    with transaction(container.sessions) as s:
        w = build(s)
        play(s, w.sub2, w.b, ms=60_000, at=end - timedelta(microseconds=1))
        play(s, w.sub2, w.b, ms=60_000, at=end)
        st = close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=end + SETTLEMENT)
        december = compute_month(s, month="2026-12", terms=TERMS)
    assert st.streams == 7 and st.closed_at == end + SETTLEMENT
    assert december.streams == 1


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=5), SETTLEMENT - timedelta(microseconds=1)])
def test_a_month_is_not_closed_while_its_streams_and_payments_may_still_arrive(
    container: Container, after: timedelta
) -> None:
    """review21 F3: closed the second it ended, a play begun at 23:59:50 (written at 00:00:20, once 30 s were
    sent, dated by its first byte), an edge log read in the morning, or a renewal's webhook retried the next day
    was paid in no statement: the stored month never changes and the next counts by its own dates."""
    end = NOV[1]
    with transaction(container.sessions) as s:
        w = build(s)
        with pytest.raises(ValidationFailed) as refused:
            close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=end + after)
        assert refused.value.code == "month_not_settled" and "2026-12-05 00:00 UTC" in refused.value.message
    with transaction(container.sessions) as s:  # the late play is written, then the month is closed
        play(s, w.sub1, w.a, ms=60_000, at=end - timedelta(seconds=10))
    with transaction(container.sessions) as s:
        closed = close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=end + SETTLEMENT)
        december = compute_month(s, month="2026-12", terms=TERMS)
    assert closed.streams == 7 and december.streams == 0  # the late play is November's, paid there


def _id(s: object, name: str) -> int:
    user = s.scalar(select(User).where(User.username == name))  # type: ignore[attr-defined]
    assert user is not None
    return int(user.id)


def _pid(s: object, name: str) -> str:
    user = s.scalar(select(User).where(User.username == name))  # type: ignore[attr-defined]
    assert user is not None
    return str(user.public_id)
