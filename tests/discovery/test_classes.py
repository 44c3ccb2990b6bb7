"""/v1/recommendations' answers are kept per listener class (`discovery._classes`): every write that changes
what a listener may hear changes the next answer (an exclusive granted, edited or deleted, an album locked, a
track turned into an ad), a pre-release opens at its moment with no write, and two classes never share one."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from encore import billing, catalog, discovery, exclusives
from encore.bootstrap import Container
from encore.catalog import Album, Track
from encore.db import transaction
from encore.exclusives import Exclusive
from tests.catalog import factories as f
from tests.discovery.world import World, build

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def world(container: Container) -> World:
    with transaction(container.sessions) as s:
        w = build(s, NOW)
        track = s.get(Track, w.track_rows["B1"])
        assert track is not None
        track.album.label_id = f.label(s, "Bo Records").id  # B1's label may attach exclusives to it
        billing.grant_premium(s, user_public_id=w.user_public[1], plan="premium", days=30, now=NOW)
        return w


def _titles(container: Container, user: int | None, world: World, *, at: datetime = NOW) -> list[str]:
    """The titles recommended from the seed A1 (co-listened with B1, then P1, which is Premium only)."""
    with container.sessions() as s:
        found = discovery.recommend(
            s, user_id=user, tracks=[world.tracks["A1"]], artists=[], genres=[], limit=10, now=at
        )
        return [t.title for t in catalog.track_views_in_order(s, found.track_ids)]


def _grant(container: Container, world: World, availability: billing.Availability, release_at: datetime | None) -> None:
    """B1 becomes the audio of an exclusive of its label's."""
    with transaction(container.sessions) as s:
        track = s.get(Track, world.track_rows["B1"])
        assert track is not None and track.album.label_id is not None
        exclusives.create_exclusive(
            s, label_id=track.album.label_id, kind="demo", title="Bo's demo", description="", artist_id=None,
            album_id=track.album.public_id, track_id=track.public_id, availability=availability, release_at=release_at,
            now=NOW,
        )  # fmt: skip


def test_an_exclusive_granted_after_an_answer_was_kept_locks_its_track_at_once(
    container: Container, world: World
) -> None:
    free, paid = world.users[0], world.users[1]
    assert _titles(container, free, world)[0] == "B1"  # kept for free listeners
    assert _titles(container, paid, world)[:2] == ["B1", "P1"]  # kept for Premium ones
    _grant(container, world, billing.Availability.PREMIUM, None)
    assert "B1" not in _titles(container, free, world)
    assert "B1" in _titles(container, paid, world)


def test_an_exclusive_edited_or_deleted_opens_its_track_again(container: Container, world: World) -> None:
    free = world.users[0]
    _grant(container, world, billing.Availability.PREMIUM, None)
    assert "B1" not in _titles(container, free, world)
    with transaction(container.sessions) as s:  # an edit through the ORM, past the portal's writers
        row = s.scalars(select(Exclusive)).one()
        row.availability = billing.Availability.PUBLIC.value
    assert _titles(container, free, world)[0] == "B1"
    with transaction(container.sessions) as s:
        s.scalars(select(Exclusive)).one().availability = billing.Availability.PREMIUM.value
    assert "B1" not in _titles(container, free, world)
    with transaction(container.sessions) as s:
        s.delete(s.scalars(select(Exclusive)).one())
    assert _titles(container, free, world)[0] == "B1"


def test_a_pre_release_opens_to_free_listeners_at_its_moment_with_no_write(container: Container, world: World) -> None:
    free, paid = world.users[0], world.users[1]
    opens = NOW + timedelta(hours=1)
    _grant(container, world, billing.Availability.PRERELEASE, opens)
    assert "B1" not in _titles(container, free, world)
    assert "B1" not in _titles(container, free, world, at=opens - timedelta(microseconds=1))
    assert "B1" in _titles(container, paid, world)  # Premium hears a pre-release early
    assert _titles(container, free, world, at=opens)[0] == "B1"


def test_an_album_locked_through_the_catalogue_leaves_the_kept_answers(container: Container, world: World) -> None:
    free = world.users[0]
    assert _titles(container, free, world)[0] == "B1"
    with transaction(container.sessions) as s:  # the label's own setting moves the catalogue's version
        track = s.get(Track, world.track_rows["B1"])
        assert track is not None
        album = s.get(Album, track.album_id)
        assert album is not None
        album.availability = billing.Availability.PREMIUM.value
    assert "B1" not in _titles(container, free, world)


def test_a_recommended_track_turned_into_an_ad_leaves_the_kept_answers(container: Container, world: World) -> None:
    assert _titles(container, None, world)[0] == "B1"
    with transaction(container.sessions) as s:
        track = s.get(Track, world.track_rows["B1"])
        assert track is not None
        track.is_ad = True
    assert "B1" not in _titles(container, None, world)


def test_two_classes_never_share_a_kept_answer_and_premium_ends_on_time(container: Container, world: World) -> None:
    free, paid = world.users[0], world.users[1]
    assert "P1" not in _titles(container, free, world)  # the free class's answer is kept first
    assert "P1" in _titles(container, paid, world)
    assert "P1" not in _titles(container, free, world)
    assert "P1" in _titles(container, paid, world, at=NOW + timedelta(days=29))
    assert "P1" not in _titles(container, paid, world, at=NOW + timedelta(days=31))  # the period ran out
