"""Search ranks by popularity, and popularity is derived from other people's listening: a track's listens
count only once 5 distinct listeners played it (#15, hole 5's class). With 4 listeners, however often they
play, the track (and its album and artist) ranks like an unplayed one; with 5 it rises."""

from datetime import UTC, datetime, timedelta

import pytest

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import search_catalogue
from encore.db import transaction
from encore.history import Play
from tests.catalog import factories as f

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
ALL = frozenset({"artist", "album", "track"})


def _ranked(c: Container) -> tuple[list[str], list[str], list[str]]:
    c.rebuild_search()
    with transaction(c.sessions) as s:
        found = search_catalogue(s, query="echo", kinds=ALL, limit=10, offset=0)
    return (
        [a.name for a in found.artists.items],
        [a.title for a in found.albums.items],
        [t.title for t in found.tracks.items],
    )


@pytest.mark.parametrize(("listeners", "rises"), [(0, False), (1, False), (4, False), (5, True)])
def test_a_track_rises_only_with_five_distinct_listeners(container: Container, listeners: int, rises: bool) -> None:
    with transaction(container.sessions) as s:
        first, second = f.artist(s, "Echo Alpha"), f.artist(s, "Echo Beta")
        f.track(s, "Echo One", f.album(s, "Echo Lane", first), [first])
        quiet = f.track(s, "Echo Two", f.album(s, "Echo Road", second), [second])
        users = [create_user(s, username=f"fan{i}", password="fan-password-123").id for i in range(listeners)]
        for user in users:
            for n in range(4):  # each listener plays it often: counts alone must not lift it
                started = AT - timedelta(minutes=n)
                s.add(Play(user_id=user, client_play_id=f"{user}-{n}", track_id=quiet.id, started_at=started,
                           updated_at=started, ms_played=170_000, state="ended", is_listen=True))  # fmt: skip
    artists, albums, tracks = _ranked(container)
    if rises:
        assert (artists, albums, tracks) == (
            ["Echo Beta", "Echo Alpha"],
            ["Echo Road", "Echo Lane"],
            ["Echo Two", "Echo One"],
        )
    else:  # like unplayed ones: oldest first
        assert (artists, albums, tracks) == (
            ["Echo Alpha", "Echo Beta"],
            ["Echo Lane", "Echo Road"],
            ["Echo One", "Echo Two"],
        )
