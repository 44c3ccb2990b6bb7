"""Changes to one playlist sent at the same moment are applied one after another: each racer read the same
items and the same version, so the version went up once for several changes (two different contents under one
snapshot id, which a client's positional remove trusts) and the new tracks shared one position."""

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from encore import library
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import Conflict
from encore.library import Playlist, PlaylistItem
from encore.library._policy import MAX_PLAYLISTS
from tests.catalog import factories as f
from tests.library.test_library import NOW
from tests.support.races import claiming, race

RACERS = 6


def test_tracks_added_to_one_playlist_at_once_each_get_a_place_and_a_snapshot(container: Container) -> None:
    with transaction(container.sessions) as s:
        owner = create_user(s, username="owner", password="owner-password-1").id
        tracks = f.songs(s, RACERS)
        playlist = library.create_playlist(s, owner_id=owner, name="Mix", now=NOW).id

    def add(track: str) -> Callable[[Session], str]:
        return lambda s: library.add_to_playlist(s, playlist_id=playlist, user_id=owner, track_ids=[track], now=NOW)

    snapshots = race(container, [add(t) for t in tracks])
    assert len(set(snapshots)) == RACERS, snapshots  # each change its own snapshot
    with container.sessions() as s:
        positions = list(s.scalars(select(PlaylistItem.position).order_by(PlaylistItem.position)))
        assert positions == list(range(RACERS))
        assert s.scalar(select(Playlist.version)) == 1 + RACERS


def test_one_track_added_at_once_where_duplicates_are_refused_is_added_once(container: Container) -> None:
    with transaction(container.sessions) as s:
        owner = create_user(s, username="owner", password="owner-password-1").id
        [track] = f.songs(s, 1)
        playlist = library.create_playlist(s, owner_id=owner, name="Mix", now=NOW).id

    def add(s: Session) -> str:
        try:
            library.add_to_playlist(
                s, playlist_id=playlist, user_id=owner, track_ids=[track], allow_duplicates=False, now=NOW
            )
        except Conflict as exc:
            return str(exc.code)
        return "added"

    assert race(container, [add] * RACERS) == ["added"] + ["already_in_playlist"] * (RACERS - 1)


def test_the_last_playlist_place_asked_for_at_once_is_given_once(container: Container) -> None:
    """A listener's limit of playlists holds when the last places are asked for at once (each racer counted
    the playlists before any other's was committed)."""
    with transaction(container.sessions) as s:
        owner = create_user(s, username="owner", password="owner-password-1").id
        old = {
            "owner_id": owner,
            "description": "",
            "public": False,
            "version": 1,
            "created_at": NOW - timedelta(days=1),  # made over time, not in the last hour (NEW_PLAYLISTS_PER_HOUR)
            "updated_at": NOW,
        }
        s.execute(insert(Playlist), [{**old, "name": f"old {i}"} for i in range(MAX_PLAYLISTS - 1)])

    create = claiming(lambda s: library.create_playlist(s, owner_id=owner, name="new", now=NOW))
    assert race(container, [create] * RACERS) == ["created"] + ["too_many_playlists"] * (RACERS - 1)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Playlist)) == MAX_PLAYLISTS
