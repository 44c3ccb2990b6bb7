"""Pure label rules: the 30 s stream rule, exact cent splits, months, spreadsheet-safe CSV cells."""

import math
import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from encore.billing import Availability, Content, Tier, decide, strictest
from encore.kernel import ValidationFailed
from encore.labels import (
    Statement,
    counts_as_stream,
    csv_cell,
    largest_remainder,
    month_bounds,
    month_part,
    pool_notes,
    split_shares,
)

NOW = datetime(2026, 11, 15, tzinfo=UTC)
LATER = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_stream_counts_from_thirty_seconds() -> None:
    assert not counts_as_stream(ms_played=29_999)
    assert counts_as_stream(ms_played=30_000)


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (100, {"a": 1, "b": 1, "c": 1}),
        (1, {"a": 5, "b": 5}),
        (999_999, {i: i * 7 + 1 for i in range(500)}),
        (0, {"a": 3}),
    ],
)
def test_largest_remainder_parts_sum_exactly_and_stay_near_the_share(total: int, weights: dict[object, int]) -> None:
    parts = largest_remainder(total, weights)
    assert sum(parts.values()) == total
    whole = sum(weights.values())
    for key, w in weights.items():
        assert abs(parts[key] - total * w / whole) < 1


def _exact_split(shares: dict[int, Fraction], pct: int) -> tuple[int, dict[int, int]]:
    """The split by exact fractions (one common denominator for all), as statements computed it before."""
    total = int(sum(shares.values(), Fraction(0)) * pct // 100)
    scale = math.lcm(*(f.denominator for f in shares.values())) if shares else 1
    return total, largest_remainder(total, {k: int(f * scale) for k, f in shares.items()})


@pytest.mark.parametrize("seed", range(20))
def test_splitting_prorated_shares_matches_the_exact_split(seed: int) -> None:
    rng = random.Random(seed)
    shares = {}
    for user in range(rng.randint(1, 60)):
        whole = rng.randint(86_400, 31 * 86_400) * 10**6 + rng.randint(0, 10**6)
        shares[user] = Fraction(rng.choice([499, 999, 1299]) * rng.randint(1, whole), whole)
    pct = rng.choice([0, 1, 55, 70, 100])
    assert split_shares(shares, pct) == _exact_split(shares, pct)


def test_a_total_just_at_a_whole_cent_is_exact_though_each_weight_is_rounded_down() -> None:
    # 1/3 + 2/3 is exactly one cent; weighed in 10^-12 of a cent each rounds down and the sum falls short of it
    shares = {"a": Fraction(1, 3), "b": Fraction(2, 3)}
    total, parts = split_shares(shares, 100)
    assert total == 1 and sum(parts.values()) == 1 and parts == {"a": 0, "b": 1}
    assert split_shares({"a": Fraction(1, 3), "b": Fraction(1, 3)}, 100) == (0, {"a": 0, "b": 0})
    assert split_shares({}, 70) == (0, {})


def test_largest_remainder_gives_leftover_cents_to_the_largest_remainders_deterministically() -> None:
    # 10 cents over weights 1,1,1: 3 each and one left over; the tie goes to the first by order key.
    assert largest_remainder(10, {"b": 1, "a": 1, "c": 1}, order={"a": "1", "b": "2", "c": "3"}) == {
        "a": 4,
        "b": 3,
        "c": 3,
    }
    # 0.6 / 0.4 remainders: the larger remainder wins the cent, not the larger key.
    assert largest_remainder(1, {"x": 3, "y": 2}) == {"x": 1, "y": 0}
    assert largest_remainder(7, {}) == {}
    assert largest_remainder(7, {"a": 0}) == {"a": 0}


def test_month_bounds_and_bad_months() -> None:
    assert month_bounds("2026-12") == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    # fullwidth and Arabic-Indic digits: \d took them, and int() read "２０２６-11" as November 2026, so the same
    # month could be closed twice under two names; a trailing newline passed `$`
    other_digits = ("２０２６-11", "٢٠٢٦-11", "2026-١١", "2026-11\n")
    for bad in ("2026-13", "2026-1", "26-01", "2026-00", "1999-01", "2026-01; DROP", "", *other_digits):
        with pytest.raises(ValidationFailed):
            month_bounds(bad)
    for far in ("1999-01", "9999-12"):
        with pytest.raises(ValidationFailed, match="between 2000-01 and 2999-12"):
            month_bounds(far)


@pytest.mark.parametrize("hostile", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\r=1"])
def test_csv_cells_never_start_a_formula(hostile: str) -> None:
    assert csv_cell(hostile).startswith("'")
    assert csv_cell("Plain name") == "Plain name"
    assert csv_cell(-5) == "-5"  # numbers stay numbers


def test_strictest_availability_of_album_track_and_exclusive() -> None:
    pre = Content(Availability.PRERELEASE, LATER)
    assert strictest() == Content()
    assert strictest(Content(), pre) == pre
    assert strictest(pre, Content(Availability.PREMIUM)).availability is Availability.PREMIUM
    earlier = Content(Availability.PRERELEASE, NOW)
    assert strictest(earlier, pre) == pre  # the later opening date wins
    assert strictest(pre, Content(Availability.PRERELEASE, None)).release_at is None


def test_the_one_decision_enforces_label_availability() -> None:
    pre = strictest(Content(), Content(Availability.PRERELEASE, LATER))
    assert decide(None, pre, NOW).reason == "premium_required_prerelease"
    assert decide(None, pre, LATER).allowed
    premium = strictest(Content(Availability.PREMIUM), Content())
    denied = decide(None, premium, NOW)
    assert not denied.allowed and denied.tier is Tier.FREE and denied.reason == "premium_required"


def _statement(ad: int, subs: int, share: int, streams: int) -> Statement:
    return Statement("2026-11", "open", None, "EUR", ad, subs, share, streams, 0, [])


def test_an_empty_pool_is_explained_from_the_statements_own_figures() -> None:
    assert pool_notes(_statement(ad=5, subs=0, share=70, streams=10)) == []
    notes = pool_notes(_statement(ad=0, subs=0, share=70, streams=2670))
    assert notes[0].startswith("The pool is empty: no ad impression was paid for in 2026-11")
    assert "no payment received for Premium covers 2026-11" in notes[0]
    assert "admin grants, redeemed codes and trials bring no money" in notes[0]
    assert notes[1] == "These 2,670 counted streams are kept, but they share nothing for this month."
    no_share = pool_notes(_statement(ad=0, subs=0, share=0, streams=0))
    assert no_share == [
        "The pool is empty: no ad impression was paid for in 2026-11 (each played-through ad earns its campaign's "
        "CPM); the payout share of subscriptions is 0% (ENCORE_ROYALTY_PAYOUT_SHARE_PCT)."
    ]


def _d(month: int, day: int) -> datetime:
    return datetime(2026 + (month > 12), (month - 1) % 12 + 1, day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("paid", "month", "part"),
    [
        ((_d(10, 1), _d(11, 1)), (_d(10, 1), _d(11, 1)), Fraction(3000)),  # a 31-day month: the payment, not 31/30
        ((_d(11, 1), _d(12, 1)), (_d(11, 1), _d(12, 1)), Fraction(3000)),  # a 30-day month
        ((_d(2, 1), _d(3, 1)), (_d(2, 1), _d(3, 1)), Fraction(3000)),  # February
        ((_d(11, 15), _d(12, 15)), (_d(11, 1), _d(12, 1)), Fraction(1600)),  # 16 of 30 days
        ((_d(11, 15), _d(12, 15)), (_d(12, 1), _d(13, 1)), Fraction(1400)),
        ((_d(1, 1), _d(13, 1)), (_d(2, 1), _d(3, 1)), Fraction(3000 * 28, 365)),  # a yearly plan
        ((_d(8, 1), _d(9, 1)), (_d(10, 1), _d(11, 1)), Fraction(0)),  # a lapsed listener's gap
        ((_d(10, 1), _d(10, 1)), (_d(10, 1), _d(11, 1)), Fraction(0)),  # an empty period
    ],
)
def test_a_payment_is_spread_over_the_time_it_paid_for(
    paid: tuple[datetime, datetime], month: tuple[datetime, datetime], part: Fraction
) -> None:
    assert month_part(3000, paid_from=paid[0], paid_to=paid[1], start=month[0], end=month[1]) == part


def test_the_months_of_a_period_add_up_to_its_payment() -> None:
    paid_from, paid_to = datetime(2026, 1, 17, 5, 3, tzinfo=UTC), datetime(2027, 1, 17, 5, 3, tzinfo=UTC)
    months = [month_bounds(f"{2026 + (m > 12)}-{(m - 1) % 12 + 1:02d}") for m in range(1, 14)]
    parts = [month_part(9999, paid_from=paid_from, paid_to=paid_to, start=a, end=b) for a, b in months]
    assert sum(parts) == 9999
    assert month_part(9999, paid_from=paid_from, paid_to=paid_to, start=paid_to, end=paid_to + timedelta(1)) == 0
