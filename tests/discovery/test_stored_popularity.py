"""The popularity training stores for the mixes job ranks exactly as counting the plays does (opt-outs taken
away when it is read, the 5-listener floor kept), and a listener's mixes read a bounded share of their history."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from encore import discovery
from encore.bootstrap import Container
from encore.db import transaction
from encore.discovery import _mixes
from encore.discovery._popular import derivable, derivable_listens, stored_popularity
from tests.discovery.world import World, build, play

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)


@pytest.fixture
def world(container: Container) -> World:
    with transaction(container.sessions) as s:
        return build(s, NOW)


def test_the_floor_and_the_opted_out_listeners_are_applied_to_counts() -> None:
    everyone = {1: (40, 5), 2: (40, 6), 3: (4, 4), 4: (9, 9)}
    opted = {2: (30, 1), 4: (2, 2)}
    assert derivable(everyone, opted) == {1: 40, 2: 10, 4: 7}  # 3: four listeners; 2 keeps five of six


def test_stored_popularity_equals_counting_the_plays_with_todays_opt_outs(container: Container, world: World) -> None:
    with transaction(container.sessions) as s:
        live = {int(t): int(n) for t, n in s.execute(select(*derivable_listens().c))}
        assert live and stored_popularity(s) == live
        for u in world.users[6:8]:  # opted out after training
            discovery.set_preferences(s, user_id=u, now=NOW, contribute=False)
        live = {int(t): int(n) for t, n in s.execute(select(*derivable_listens().c))}
        assert stored_popularity(s) == live
        assert world.track_rows["A2"] not in live  # A2 now rests on four contributing listeners


def test_before_any_training_nothing_is_stored_and_the_mixes_count_plays(container: Container) -> None:
    with transaction(container.sessions) as s:
        assert stored_popularity(s) is None
        assert _mixes.Shared().ranks(s) is None


def test_a_listeners_mixes_read_only_their_most_recent_listens(
    container: Container, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    a1, c1 = world.track_rows["A1"], world.track_rows["C1"]
    user = world.users[7]  # played A2 and B2 an hour or so ago
    with transaction(container.sessions) as s:
        for n in range(3):  # three listens of C1 after everything else
            play(s, user, c1, NOW + timedelta(hours=1), -n)
        for n in range(5):  # five of A1 long before
            play(s, user, a1, NOW - timedelta(days=30), n)
        s.flush()
        shared = _mixes.Shared()
        assert _mixes._heard(s, user, shared) == {world.track_rows["A2"]: 1, world.track_rows["B2"]: 1, c1: 3, a1: 5}
        monkeypatch.setattr(_mixes, "HEARD_LISTENS", 4)
        assert _mixes._heard(s, user, shared) == {c1: 3, world.track_rows["A2"]: 1}  # the latest four listens
        # "never played" still means never: tracks past the cap stay out of Discover Weekly and fresh picks
        taste = _mixes._taste(s, user, shared)
        assert taste.heard == {c1: 3, world.track_rows["A2"]: 1}
        assert taste.played >= {a1, c1, world.track_rows["A2"], world.track_rows["B2"]}
        weekly = _mixes._discover(s, taste=taste, shared=shared)
        assert a1 not in weekly.track_ids
