"""Discovery offers a listener exactly the tracks playback would let them hear: its lists (mixes, radio, similar
and top songs: `discovery.playable`) and the apps' answers kept per listener class (`_classes`) ask playback's
verdict (`playback.content_verdicts`), and this holds them to `playback.may_hear`, the check of one track, over
every kind of lock: a label's Premium album or track, a Premium exclusive, a pre-release exclusive and a
pre-release album (before and after their date), a withdrawn exclusive, a withdrawn or taken-down release, a
draft, ad audio. A free listener must never be offered a pre-release exclusive in a mix or a radio."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import billing, catalog, discovery, exclusives, incident, playback
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Album, Artist, Label, ReleaseStatus, Track
from encore.db import transaction
from encore.discovery._classes import hears, playable_for
from encore.kernel import NotFound
from tests.catalog import factories as f

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
OPENS = NOW + timedelta(days=1)
KINDS = (
    "public",
    "premium album",
    "premium track",
    "premium exclusive",
    "prerelease exclusive",
    "prerelease album",
    "withdrawn exclusive",
    "withdrawn",
    "taken down",
    "draft",
    "ad",
)


@dataclass(frozen=True)
class World:
    free: int
    fan: int  # Premium
    tracks: dict[str, int]  # kind -> row id
    public_ids: dict[int, str]


def _album(s: Session, label: Label, artist: Artist, title: str) -> tuple[Album, Track]:
    album = f.album(s, title, artist, on=label)
    return album, f.track(s, f"{title} song", album, [artist])


@pytest.fixture
def world(container: Container) -> World:
    with transaction(container.sessions) as s:
        free = create_user(s, username="free", password="a long enough password")
        fan = create_user(s, username="fan", password="a long enough password")
        billing.grant_premium(s, user_public_id=fan.public_id, plan="premium", days=30, now=NOW)
        label, artist = f.label(s, "Bo Records"), f.artist(s, "Bo")
        made = {kind: _album(s, label, artist, kind.title()) for kind in KINDS}
        made["premium album"][0].availability = billing.Availability.PREMIUM.value
        made["premium track"][1].availability = billing.Availability.PREMIUM.value
        album, _track = made["prerelease album"]
        album.availability, album.available_from = billing.Availability.PRERELEASE.value, OPENS
        for kind, availability, opens in (
            ("premium exclusive", billing.Availability.PREMIUM, None),
            ("prerelease exclusive", billing.Availability.PRERELEASE, OPENS),
            ("withdrawn exclusive", billing.Availability.PREMIUM, None),
        ):
            album, track = made[kind]
            view = exclusives.create_exclusive(
                s, label_id=label.id, kind="demo", title=kind, description="", artist_id=None,
                album_id=album.public_id, track_id=track.public_id, availability=availability, release_at=opens,
                now=NOW,
            )  # fmt: skip
            if kind == "withdrawn exclusive":
                exclusives.withdraw_exclusive(s, label_id=label.id, exclusive_id=view.id, now=NOW)
        catalog.set_release_status(s, album=made["withdrawn"][0], status=ReleaseStatus.WITHDRAWN, now=NOW)
        incident.withdraw_album(s, album_id=made["taken down"][0].public_id, actor_id=None, now=NOW)  # the operator's
        catalog.set_release_status(s, album=made["draft"][0], status=ReleaseStatus.DRAFT, now=NOW)
        made["ad"][1].is_ad = True
        s.flush()
        tracks = {kind: track.id for kind, (_album_row, track) in made.items()}
        public = {
            row.id: row.public_id
            for row in s.execute(select(Track.id, Track.public_id).where(Track.id.in_(tracks.values())))
        }
        return World(free.id, fan.id, tracks, public)


def _playback_lets_hear(container: Container, world: World, user_id: int, at: datetime) -> set[int]:
    """The tracks `playback.may_hear` lets this listener hear (an unlisted one is NotFound: not heard)."""
    heard = set()
    with container.sessions() as s:
        for track, public_id in world.public_ids.items():
            try:
                if playback.may_hear(s, user_id=user_id, track_id=public_id, now=at).allowed:
                    heard.add(track)
            except NotFound:
                pass
    return heard


def _discovery_offers(container: Container, world: World, user_id: int, at: datetime) -> tuple[set[int], set[int]]:
    """What discovery's lists keep (`playable`) and what the apps' answers keep for the listener's class."""
    ids = list(world.public_ids)
    with container.sessions() as s:
        listed = discovery.playable(s, user_id=user_id, track_ids=ids, now=at)
        classed = playable_for(s, hears(s, user_id=user_id, now=at), ids)
    return listed, classed


@pytest.mark.parametrize("later", [False, True], ids=["before the release date", "after it"])
def test_discovery_offers_exactly_what_playback_lets_each_listener_hear(
    container: Container, world: World, later: bool
) -> None:
    at = OPENS + timedelta(hours=1) if later else NOW
    for user in (world.free, world.fan):
        expected = _playback_lets_hear(container, world, user, at)
        listed, classed = _discovery_offers(container, world, user, at)
        assert listed == expected
        assert classed == expected


def test_a_free_listener_is_offered_a_prerelease_exclusive_only_once_it_is_out(
    container: Container, world: World
) -> None:
    """The case the two must never disagree on: a pre-release exclusive in a free listener's mix or radio."""
    exclusive = world.tracks["prerelease exclusive"]
    assert exclusive not in _discovery_offers(container, world, world.free, NOW)[0]
    assert exclusive in _discovery_offers(container, world, world.fan, NOW)[0]
    assert exclusive in _discovery_offers(container, world, world.free, OPENS + timedelta(hours=1))[0]
    public = {world.tracks["public"], world.tracks["withdrawn exclusive"]}
    assert public <= _discovery_offers(container, world, world.free, NOW)[0]  # the comparison is not of empty sets
