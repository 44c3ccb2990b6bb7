"""The apps' answers keep what they read per seed in the serving process (`discovery._hot`); nothing kept may
outlive what it was derived from: a training run, an opt-out, a seed turned into an ad (what the listener may
hear: test_classes)."""

from datetime import UTC, datetime

import pytest

from encore import catalog, discovery
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.kernel import ValidationFailed
from tests.discovery.world import World, build, play

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def world(container: Container) -> World:
    with transaction(container.sessions) as s:
        return build(s, NOW)


def _titles(container: Container, user: int | None, **seeds: list[str]) -> list[str]:
    args: dict[str, list[str]] = {"tracks": [], "artists": [], "genres": [], **seeds}
    with container.sessions() as s:
        found = discovery.recommend(s, user_id=user, limit=10, now=NOW, **args)
        return [t.title for t in catalog.track_views_in_order(s, found.track_ids)]


def test_a_training_run_replaces_the_kept_neighbours(container: Container, world: World) -> None:
    assert "C2" not in _titles(container, None, tracks=[world.tracks["A2"]])  # kept: nobody plays A2 with C2
    with transaction(container.sessions) as s:
        for n, user in enumerate(world.users):
            for k, title in enumerate(("A2", "C2")):
                play(s, user, world.track_rows[title], NOW, 200 + 10 * n + k)
        discovery.train(s, now=NOW)
    assert _titles(container, None, tracks=[world.tracks["A2"]])[0] in {"B2", "C2"}
    assert "C2" in _titles(container, None, tracks=[world.tracks["A2"]])


def test_an_opt_out_re_ranks_the_kept_popularity_at_once(container: Container, world: World) -> None:
    with transaction(container.sessions) as s:
        for n, user in enumerate(world.users[:5]):
            play(s, user, world.track_rows["C2"], NOW, 300 + n)
        discovery.train(s, now=NOW)
    assert _titles(container, None, genres=["jazz"])[0] == "C2"  # five listeners: C2 ranks first (kept)
    with transaction(container.sessions) as s:
        discovery.set_preferences(s, user_id=world.users[0], now=NOW, contribute=False)
    assert _titles(container, None, genres=["jazz"])[0] == "C1"  # four left: C2's listens rank nothing


def test_a_kept_seed_turned_into_an_ad_is_refused(container: Container, world: World) -> None:
    assert _titles(container, None, tracks=[world.tracks["B2"]])
    with transaction(container.sessions) as s:
        track = s.get(Track, world.track_rows["B2"])
        assert track is not None
        track.is_ad = True  # through the ORM: the catalogue's version moves
    with pytest.raises(ValidationFailed):
        _titles(container, None, tracks=[world.tracks["B2"]])


def test_an_opt_out_leaves_the_catalogues_caches_alone(container: Container, world: World) -> None:
    """Any listener may flip the setting at will: it re-ranks popularity (above) through the opt-outs' own
    generation, and never moves the catalogue's version, which would empty every node's caches."""
    with container.sessions() as s:
        stored = catalog.stored_version(s)
    announced = container.state.version(catalog.STATE_KEY)
    for contribute in (False, True, False):
        with transaction(container.sessions) as s:
            discovery.set_preferences(s, user_id=world.users[0], now=NOW, contribute=contribute)
    with container.sessions() as s:
        assert catalog.stored_version(s) == stored
    assert container.state.version(catalog.STATE_KEY) == announced
