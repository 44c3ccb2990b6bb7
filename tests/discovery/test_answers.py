"""Recommendations from seeds, similar songs, related artists: seeds refused, ads and unavailable tracks
never recommended, cold start from the genre, a catalogue of one track."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from encore import billing, catalog, discovery, library
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import ValidationFailed
from tests.catalog import factories as f
from tests.discovery.world import World, build, hidden_listens

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _titles(s: object, ids: list[int]) -> list[str]:
    return [t.title for t in catalog.track_views_in_order(s, ids)]  # type: ignore[arg-type]


@pytest.fixture
def world(container: Container) -> World:
    with transaction(container.sessions) as s:
        return build(s, NOW)


def test_a_track_seed_gives_its_co_listened_tracks_first_never_itself_ads_or_locked(
    container: Container, world: World
) -> None:
    w = world
    with container.sessions() as s:
        free = discovery.recommend(
            s, user_id=w.users[0], tracks=[w.tracks["A1"]], artists=[], genres=[], limit=10, now=NOW
        )
        titles = _titles(s, free.track_ids)
        assert titles[0] == "B1" and "A1" not in titles and "AD" not in titles
        assert "P1" not in titles  # Premium only: a free listener is not offered it
        assert free.seeds[0].kind == "track" and free.seeds[0].initial_pool > free.seeds[0].after_filtering
    with transaction(container.sessions) as s:
        billing.grant_premium(s, user_public_id=w.user_public[1], plan="premium", days=30, now=NOW)
    with container.sessions() as s:
        paid = discovery.recommend(
            s, user_id=w.users[1], tracks=[w.tracks["A1"]], artists=[], genres=[], limit=10, now=NOW
        )
        assert set(_titles(s, paid.track_ids)[:2]) == {"B1", "P1"}


@pytest.mark.parametrize("count", [0, 6, 100])
def test_seed_counts_outside_one_to_five_are_refused(container: Container, world: World, count: int) -> None:
    with container.sessions() as s, pytest.raises(ValidationFailed) as refused:
        discovery.recommend(
            s, user_id=None, tracks=[world.tracks["A1"]] * count, artists=[], genres=[], limit=5, now=NOW
        )
    assert "seed" in refused.value.message


@pytest.mark.parametrize(
    ("kind", "value"),
    [("tracks", "A" * 22), ("tracks", "not-an-id"), ("tracks", "AD"), ("artists", "B1"), ("genres", "polka")],
)
def test_unknown_and_ad_seeds_are_refused_by_name(container: Container, world: World, kind: str, value: str) -> None:
    seed = world.tracks.get(value, value)
    args: dict[str, list[str]] = {"tracks": [], "artists": [], "genres": []}
    args[kind] = [seed]
    with container.sessions() as s, pytest.raises(ValidationFailed) as refused:
        discovery.recommend(s, user_id=None, limit=5, now=NOW, **args)
    assert seed[:40] in refused.value.message


def test_cold_seeds_and_genre_seeds_fall_back_to_popular_in_genre(container: Container, world: World) -> None:
    w = world
    with container.sessions() as s:
        cold = discovery.recommend(s, user_id=None, tracks=[w.tracks["C1"]], artists=[], genres=[], limit=5, now=NOW)
        assert _titles(s, cold.track_ids) == ["C2"]  # nobody played jazz: the catalogue and the genre answer
        genre = discovery.recommend(s, user_id=None, tracks=[], artists=[], genres=["hip-hop"], limit=3, now=NOW)
        assert set(_titles(s, genre.track_ids)) <= {"A1", "A2", "B1", "B2"} and len(genre.track_ids) == 3
        by_artist = discovery.recommend(
            s, user_id=None, tracks=[], artists=[w.artists["Ada"]], genres=[], limit=5, now=NOW
        )
        assert _titles(s, by_artist.track_ids)[0] in {"B1", "B2"}


def test_related_artists_and_similar_songs(container: Container, world: World) -> None:
    w = world
    with container.sessions() as s:
        related = discovery.related_artists(s, artist_id=w.artists["Ada"], limit=5)
        names = [a.name for a in catalog.artist_summaries_by_ids(s, related).values()]
        assert names and names[0] == "Bo"
        for kind, seed in (("track", w.tracks["A2"]), ("artist", w.artists["Ada"])):
            similar = discovery.similar_songs(s, user_id=w.users[2], kind=kind, public_id=seed, limit=5, now=NOW)
            assert _titles(s, similar)[0] in {"B1", "B2"} and "P1" not in _titles(s, similar)


def test_a_catalogue_of_one_track_recommends_nothing(container: Container) -> None:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Solo")
        only = f.track(s, "Only", f.album(s, "One", band), [band])
        discovery.train(s, now=NOW)
    with container.sessions() as s:
        found = discovery.recommend(s, user_id=None, tracks=[only.public_id], artists=[], genres=[], limit=5, now=NOW)
        assert found.track_ids == [] and found.seeds[0].initial_pool == 0
        assert discovery.related_artists(s, artist_id=band.public_id, limit=5) == []


def test_an_unpublished_import_feeds_no_top_songs_similar_tracks_or_training(
    container: Container, world: World
) -> None:
    """Every user "imports" C2 (Cy, Jazz) in an import that never publishes: no reader of plays counts it."""
    with transaction(container.sessions) as s:
        hidden_listens(s, world.users, world.track_rows["C2"], NOW)
        discovery.train(s, now=NOW)
    with container.sessions() as s:
        top = discovery.top_songs(s, user_id=None, artist_name="Cy", limit=2, now=NOW)
        assert _titles(s, top) == ["C1", "C2"]  # no counted listens: album order
        assert [t.title for t in library.top_tracks(s, artist_name="Cy", limit=2)] == ["C1", "C2"]
        similar = library.similar_tracks(s, track_id=world.tracks["A1"], limit=10)
        assert "B1" in [t.title for t in similar] and "C2" not in [t.title for t in similar]
        listened = s.scalars(
            select(discovery.TrackNeighbour.neighbour_id).where(
                discovery.TrackNeighbour.track_id == world.track_rows["A1"],
                discovery.TrackNeighbour.source == "listening",
            )
        ).all()
        assert world.track_rows["B1"] in listened and world.track_rows["C2"] not in listened
