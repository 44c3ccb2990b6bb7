"""Random album lists are drawn from a pool kept with the catalogue's views (#16): a withdrawn album leaves
it with the commit that withdrew it, and a new one joins it, on the next request."""

import pytest
from sqlalchemy import select

from encore import catalog, library
from encore.bootstrap import Container
from encore.catalog import Album, ReleaseStatus
from encore.db import transaction
from encore.library import _album_lists
from tests.catalog import factories as f


def _random(c: Container, size: int) -> set[str]:
    with transaction(c.sessions) as s:
        return {a.id for a in library.album_list(s, user_id=0, kind="random", limit=size, offset=0)}


def test_the_random_pool_follows_the_catalogue(container: Container) -> None:
    c = container
    c.migrate()
    with transaction(c.sessions) as s:
        artist = f.artist(s, "Nina Vale")
        albums = [f.album(s, f"Album {i}", artist) for i in range(6)]
        for album in albums:
            f.track(s, f"Song of {album.title}", album, [artist])
        ids = [a.public_id for a in albums]
    assert _random(c, 6) == set(ids)  # the pool is built here and kept
    with transaction(c.sessions) as s:  # a label withdraws one album, alone in its transaction
        album = s.scalar(select(Album).where(Album.public_id == ids[0]))
        assert album is not None
        catalog.set_release_status(s, album=album, status=ReleaseStatus.WITHDRAWN)
    for _ in range(5):
        got = _random(c, 6)
        assert ids[0] not in got and len(got) == 5, got  # never the withdrawn, from the next request on
    with transaction(c.sessions) as s:  # a new album, alone in its transaction
        f.track(s, "New song", f.album(s, "Brand new", artist), [artist])
    for _ in range(5):
        got = _random(c, 6)
        assert ids[0] not in got and len(got) == 6, got  # five old albums and the new one


def test_one_pool_is_kept_however_many_minutes_pass(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool is redrawn each minute in place: a key per minute left one pool behind for every minute anyone
    asked, until the catalogue changed (review, session 11)."""
    c = container
    c.migrate()
    with transaction(c.sessions) as s:
        artist = f.artist(s, "Nina Vale")
        for i in range(3):
            f.track(s, f"Song {i}", f.album(s, f"Album {i}", artist), [artist])
    now = [1_000_000.0]
    monkeypatch.setattr(_album_lists.time, "monotonic", lambda: now[0])
    for _ in range(50):
        assert len(_random(c, 3)) == 3
        now[0] += _album_lists.RANDOM_POOL_SECONDS
    with c.catalogue_cache.views._lock:
        pools = [k for k in c.catalogue_cache.views._items if k[:2] == _album_lists.RANDOM_POOL_KEY]
    assert pools == [_album_lists.RANDOM_POOL_KEY]
