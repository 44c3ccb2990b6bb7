"""A one-use thing claimed by several requests at the same moment is claimed once: a redeem code (probe16 F1:
on SQLite each racer read the code unused, outside any transaction, and all five got Premium) and an ad break's
played report (its impression, and the campaign's count of them)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import ads, billing, playback
from encore.accounts import create_user
from encore.ads import AdBreak, AdCampaign
from encore.billing import RedeemCode, Subscription
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import NotFound
from tests.catalog import factories as f
from tests.support.races import race as _race

NOW = datetime(2026, 11, 20, tzinfo=UTC)
RACERS = 6


def test_one_code_sent_at_once_by_several_accounts_is_redeemed_once(container: Container) -> None:
    with transaction(container.sessions) as s:
        users = [create_user(s, username=f"racer{i}", password="password-123").id for i in range(RACERS)]
        (code,) = billing.create_codes(s, admin_id=None, plan="premium", days=30, count=1, now=NOW)

    def redeem(user_id: int) -> Callable[[Session], str]:
        return lambda s: billing.redeem_code(s, user_id=user_id, code=code, now=NOW).tier

    assert _race(container, [redeem(u) for u in users]) == ["premium"] + ["refused"] * (RACERS - 1)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Subscription)) == 1
        assert s.scalar(select(RedeemCode.redeemed_by)) == s.scalar(select(Subscription.user_id))


def test_one_ad_break_reported_played_at_once_is_one_impression(container: Container) -> None:
    with transaction(container.sessions) as s:
        listener = create_user(s, username="listener", password="password-123").id
        band = f.artist(s, "spot maker")
        spot = f.spot(s, "the spot", f.album(s, "Spots", band), [band], number=1)
        ads.create_campaign(s, advertiser="Acme Coffee", track_id=spot.public_id, starts_at=NOW - timedelta(days=1),
                            ends_at=NOW + timedelta(days=30), budget_impressions=100, cpm_cents=2000, genres=[],
                            hour_from=None, hour_to=None, freq_cap_per_day=50,
                            heard_as_music=playback.heard_as_music)  # fmt: skip
        brk = ads.issue_break(s, user_id=listener, now=NOW, last_track_id=None)
    later = NOW + timedelta(minutes=5)

    def played(s: Session) -> str:
        return ads.finish_break(s, user_id=listener, break_id=brk.break_id, now=later).reason

    assert _race(container, [played] * RACERS) == ["already_counted"] * (RACERS - 1) + ["counted"]
    with container.sessions() as s:
        assert s.scalar(select(AdCampaign.impressions)) == 1
        assert s.scalar(select(AdBreak.completed_at)) is not None


def test_one_account_asking_for_its_demo_code_at_once_gets_one(container: Container) -> None:
    """A demo server gives one code per account; each racer read that the account had none yet, so each got a
    code (each a month of Premium to redeem). Asking again replaces an unused code (probe24b F2): the racers each
    get one, and only the last written still works."""
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="demo", password="password-123").id

    def ask(s: Session) -> str:
        return billing.demo_code(s, user_id=user_id, plan="premium", days=30, now=NOW)

    codes = _race(container, [ask] * RACERS)
    assert len(set(codes)) == RACERS and not any(c.startswith("error") for c in codes), codes
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(RedeemCode)) == 1
    works = []
    for code in codes:
        try:
            with transaction(container.sessions) as s:
                billing.redeem_code(s, user_id=user_id, code=code, now=NOW)
            works.append(code)
        except NotFound:
            continue
    assert len(works) == 1


def test_two_codes_redeemed_at_once_by_one_account_add_up(container: Container) -> None:
    """Each code extends the subscription from where the other left it: on PostgreSQL each racer read the same
    end date and wrote it plus its own days (one code's month lost, both codes used); without a subscription
    yet, all but one failed on its unique key (a 500)."""
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="collector", password="password-123").id
        codes = billing.create_codes(s, admin_id=None, plan="premium", days=30, count=RACERS, now=NOW)

    def redeem(code: str) -> Callable[[Session], str]:
        return lambda s: billing.redeem_code(s, user_id=user_id, code=code, now=NOW).tier

    assert _race(container, [redeem(c) for c in codes]) == ["premium"] * RACERS
    with container.sessions() as s:
        assert s.scalar(select(Subscription.period_end)) == NOW + timedelta(days=30 * RACERS)
        assert s.scalar(select(func.count()).select_from(RedeemCode).where(RedeemCode.redeemed_by == user_id)) == RACERS
