"""Discovery's popularity fallback (genre seeds, cold start, radio) ranks a track by its listens only once 5
distinct contributing listeners played it: one person's listen in a quiet genre must not put it first.
/v1/recommendations ranks by the popularity the last training stored, so each case trains again after its plays."""

from datetime import UTC, datetime

import pytest

from encore import catalog, discovery
from encore.bootstrap import Container
from encore.db import transaction
from tests.discovery.world import World, build, play

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def world(container: Container) -> World:
    with transaction(container.sessions) as s:
        return build(s, NOW)


def _jazz(container: Container) -> list[str]:
    with container.sessions() as s:
        found = discovery.recommend(s, user_id=None, tracks=[], artists=[], genres=["jazz"], limit=5, now=NOW)
        return [t.title for t in catalog.track_views_in_order(s, found.track_ids)]


@pytest.mark.parametrize(
    ("listeners", "opted_out", "first"),
    [(1, 0, "C1"), (4, 0, "C1"), (5, 1, "C1"), (5, 0, "C2")],
)
def test_a_genre_nobody_else_plays_reveals_no_single_listener(
    container: Container, world: World, listeners: int, opted_out: int, first: str
) -> None:
    with transaction(container.sessions) as s:
        for n, user in enumerate(world.users[:listeners]):
            play(s, user, world.track_rows["C2"], NOW, 100 + n)
        for user in world.users[:opted_out]:
            s.add(discovery.DiscoveryPreference(user_id=user, contribute=False, autoplay=True, updated_at=NOW))
    with transaction(container.sessions) as s:
        discovery.train(s, now=NOW)
    assert _jazz(container)[0] == first
