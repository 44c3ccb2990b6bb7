"""A campaign's last impression asked for by several listeners at once. Its budget is read when a break is
handed out and counted when the ad plays through, so every listener then in a break still hears it: the slack
is one break per listener, and never money (a statement pays the campaign's first `budget_impressions`).

What held the slack to one per listener was missing: two devices of one listener asking at once each found
no open break, and each got one (every racer read before any wrote: the window, held open by a barrier)."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import ads, playback
from encore.accounts import create_user
from encore.ads import AdBreak, AdCampaign
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import PermissionDenied
from encore.labels import Terms
from encore.labels._revenue import month_money
from tests.catalog import factories as f
from tests.support.races import meet, race

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
LISTENERS, DEVICES = 4, 2
CPM_CENTS = 2000  # 2 cents an impression


def _world(container: Container, *, budget: int) -> list[int]:
    with transaction(container.sessions) as s:
        listeners = [create_user(s, username=f"listener{i}", password="password-123").id for i in range(LISTENERS)]
        band = f.artist(s, "spot maker")
        spot = f.spot(s, "the spot", f.album(s, "Spots", band), [band], number=1)
        ads.create_campaign(s, advertiser="Acme Coffee", track_id=spot.public_id, starts_at=NOW - timedelta(days=1),
                            ends_at=NOW + timedelta(days=30), budget_impressions=budget, cpm_cents=CPM_CENTS,
                            genres=[], hour_from=None, hour_to=None, freq_cap_per_day=50,
                            heard_as_music=playback.heard_as_music)  # fmt: skip
    return listeners


def _held_open(monkeypatch: pytest.MonkeyPatch, racers: int) -> None:
    """Every racer reads the campaigns (after its open-break check) before any of them hands a break out."""
    window = threading.Barrier(racers)
    candidates = ads._breaks._candidates

    def read_then_meet(*args: object, **kwargs: object) -> object:
        found = candidates(*args, **kwargs)  # type: ignore[arg-type]
        meet(window)
        return found

    monkeypatch.setattr(ads._breaks, "_candidates", read_then_meet)


def _ask(listener: int) -> Callable[[Session], str]:
    return lambda s: ads.issue_break(s, user_id=listener, now=NOW, last_track_id=None).break_id


def _play_all(container: Container, breaks: dict[str, int]) -> list[str]:
    later = NOW + timedelta(minutes=5)
    with transaction(container.sessions) as s:
        return [ads.finish_break(s, user_id=u, break_id=b, now=later).reason for b, u in sorted(breaks.items())]


def test_a_listener_asking_on_two_devices_at_once_is_handed_one_break(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    listeners = _world(container, budget=1_000)
    _held_open(monkeypatch, LISTENERS * DEVICES)
    handed = race(container, [_ask(u) for u in listeners for _ in range(DEVICES)])
    assert len(set(handed)) == LISTENERS, handed  # each device of a listener was handed the same break
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AdBreak)) == LISTENERS


def test_the_last_impression_asked_for_at_once_is_heard_by_at_most_one_break_each_and_paid_once(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    listeners = _world(container, budget=1)
    _held_open(monkeypatch, LISTENERS * DEVICES)
    handed = race(container, [_ask(u) for u in listeners for _ in range(DEVICES)])
    with container.sessions() as s:
        owner = dict(s.execute(select(AdBreak.public_id, AdBreak.user_id)).all())
    assert sorted(handed) == sorted(b for b in owner for _ in range(DEVICES)) and len(owner) == LISTENERS
    assert _play_all(container, {b: u for b, u in owner.items() if u is not None}) == ["counted"] * LISTENERS
    with container.sessions() as s:
        assert s.scalar(select(AdCampaign.impressions)) == LISTENERS  # what played: the slack, one each
        month = month_money(s, terms=Terms(payout_share_pct=70, currency="EUR"), start=NOW.replace(day=1),
                            end=NOW.replace(month=12, day=1))  # fmt: skip
    assert month.ad_cents == CPM_CENTS // 1000  # what is paid: the one impression bought


def test_a_break_handed_out_over_an_hour_ago_has_lapsed(container: Container) -> None:
    """A listener holds one break at a time: after an hour a new one is handed out, and the old one can no
    longer be counted beside it."""
    listener, *_ = _world(container, budget=10)
    with transaction(container.sessions) as s:
        old = ads.issue_break(s, user_id=listener, now=NOW, last_track_id=None)
    later = NOW + timedelta(hours=1, minutes=1)
    with transaction(container.sessions) as s:
        new = ads.issue_break(s, user_id=listener, now=later, last_track_id=None)
    assert new.break_id != old.break_id
    with transaction(container.sessions) as s, pytest.raises(PermissionDenied) as refused:
        ads.finish_break(s, user_id=listener, break_id=old.break_id, now=later)
    assert refused.value.code == "ad_break_lapsed"
    with transaction(container.sessions) as s:
        assert ads.finish_break(
            s, user_id=listener, break_id=new.break_id, now=later + timedelta(minutes=5)
        ).reason == ("counted")
