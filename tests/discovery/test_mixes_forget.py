"""Forgetting plays drops the mixes made from them: the next read builds them from what is left, the same day
(review24 F4: a Daily Mix named by the forgotten plays' artists was served until the next day, Discover Weekly
and Release Radar until the next week)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from encore import catalog, discovery
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.portability import forget_play
from encore.portability._forget import forget_range
from tests.discovery.world import World, build

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday: the plays are in the hour before
LATER = NOW + timedelta(hours=2)  # the same UTC day and ISO week: nothing is due by the calendar


@pytest.fixture
def world(container: Container) -> World:
    with transaction(container.sessions) as s:
        return build(s, NOW)


def _mixes(container: Container, user: int, now: datetime) -> dict[str, tuple[str, list[str]]]:
    with transaction(container.sessions) as s:
        views = discovery.my_mixes(s, user_id=user, now=now)
        titles = {v.title: [t.title for t in catalog.track_views_in_order(s, v.track_ids)] for v in views}
        return {v.title: (v.description, titles[v.title]) for v in views}


@pytest.mark.parametrize("since", [None, NOW - timedelta(days=1)], ids=["everything", "a range"])
def test_forgotten_plays_leave_no_mix_made_of_them(container: Container, world: World, since: datetime | None) -> None:
    me = world.users[0]  # fan0 played A1 (Ada), B1 (Bo), P1 and an ad
    before = _mixes(container, me, NOW)
    assert "Daily Mix 1" in before and "Ada" in before["Daily Mix 1"][0]
    assert forget_range(container.sessions, user_id=me, since=since, until=NOW + timedelta(minutes=1)) == 4
    with container.sessions() as s:
        assert s.scalar(select(func.count()).where(Play.user_id == me)) == 0
    after = _mixes(container, me, LATER)
    assert "Daily Mix 1" not in after  # nothing heard is left to make one of, nor to name it by
    with container.sessions() as s:
        built = set(s.scalars(select(discovery.Mix.built_at).where(discovery.Mix.user_id == me)))
    assert built == {LATER}  # Discover Weekly and Release Radar built again too, from what is left


def test_one_forgotten_play_rebuilds_the_mixes(container: Container, world: World) -> None:
    me = world.users[0]
    _mixes(container, me, NOW)
    with container.sessions() as s:
        play_id = s.scalar(select(Play.client_play_id).where(Play.user_id == me).limit(1))
    assert play_id is not None
    with transaction(container.sessions) as s:
        forget_play(s, jobs=container.jobs, user_id=me, play_id=play_id)
    _mixes(container, me, LATER)
    with container.sessions() as s:
        built = set(s.scalars(select(discovery.Mix.built_at).where(discovery.Mix.user_id == me)))
    assert built == {LATER}
