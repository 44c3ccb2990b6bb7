"""Followed artists by cursor (Spotify's /me/following) and the search of public playlists, on SQLite and
PostgreSQL."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from encore import library
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.kernel import ValidationFailed
from tests.catalog import factories as f

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass
class World:
    s: Session
    alice: int
    bob: int
    artists: list[str]


@pytest.fixture
def world(container: Container) -> Iterator[World]:
    with container.sessions() as s, s.begin():
        alice = create_user(s, username="alice", password="alice-password-1")
        bob = create_user(s, username="bob", password="bob-password-12")
        artists = [f.artist(s, f"Artist {i}").public_id for i in range(5)]
        yield World(s, alice.id, bob.id, artists)


def _pages(w: World, limit: int) -> list[list[str]]:
    pages, after = [], None
    while True:
        items, total = library.followed_artists(w.s, user_id=w.alice, limit=limit, after=after)
        assert total == 5
        pages.append([v.artist.name for v in items])
        if len(items) < limit:
            return pages
        after = items[-1].artist.id


def test_followed_artists_page_by_cursor_newest_first_ties_included(world: World) -> None:
    w = world
    # Two saved in the same instant: the cursor must not skip or repeat either of them.
    library.save_items(w.s, user_id=w.alice, kind="artist", ids=w.artists[:2], now=NOW)
    for i in (2, 3, 4):
        library.save_items(w.s, user_id=w.alice, kind="artist", ids=[w.artists[i]], now=NOW + timedelta(minutes=i))
    library.save_items(w.s, user_id=w.bob, kind="artist", ids=w.artists[:1], now=NOW)
    pages = _pages(w, 2)
    assert pages == [["Artist 4", "Artist 3"], ["Artist 2", "Artist 1"], ["Artist 0"]]
    assert _pages(w, 5) == [["Artist 4", "Artist 3", "Artist 2", "Artist 1", "Artist 0"], []]


@pytest.mark.parametrize("after", ["0" * 22, "not-an-id", "'; --", ""], ids=["unknown", "malformed", "sql", "empty"])
def test_a_cursor_that_is_not_a_followed_artist_is_refused(world: World, after: str) -> None:
    w = world
    library.save_items(w.s, user_id=w.bob, kind="artist", ids=w.artists[:1], now=NOW)
    with pytest.raises(ValidationFailed):
        library.followed_artists(w.s, user_id=w.alice, limit=5, after=after)
    with pytest.raises(ValidationFailed):  # followed by someone else is not followed by this listener
        library.followed_artists(w.s, user_id=w.alice, limit=5, after=w.artists[0])


def test_search_finds_public_playlists_by_every_word(world: World) -> None:
    w = world
    night = library.create_playlist(w.s, owner_id=w.alice, name="Night Drive", public=True, now=NOW)
    library.create_playlist(w.s, owner_id=w.alice, name="Night Secret Drive", public=False, now=NOW)
    later = library.create_playlist(w.s, owner_id=w.bob, name="drive at NIGHT", public=True, now=NOW)
    library.create_playlist(w.s, owner_id=w.bob, name="Day drive", public=True, now=NOW)
    found = library.search_playlists(w.s, query="night  DRIVE", limit=10, offset=0)
    assert [p.id for p in found.items] == [later.id, night.id] and found.total == 2
    second = library.search_playlists(w.s, query="night drive", limit=1, offset=1)
    assert [p.id for p in second.items] == [night.id] and second.total == 2


@pytest.mark.parametrize(
    "query", ["%", "_", "100%", "a_b", "\\", "   "], ids=["pct", "underscore", "pct-tail", "us", "bs", "blank"]
)
def test_search_words_are_text_not_patterns(world: World, query: str) -> None:
    w = world
    library.create_playlist(w.s, owner_id=w.alice, name="Anything at all", public=True, now=NOW)
    assert library.search_playlists(w.s, query=query, limit=10, offset=0).items == []
    literal = library.create_playlist(w.s, owner_id=w.alice, name=f"Mix {query} here", public=True, now=NOW)
    if query.strip():
        assert [p.id for p in library.search_playlists(w.s, query=query, limit=10, offset=0).items] == [literal.id]


@pytest.mark.parametrize(
    ("query", "name"),
    [("STRASSE", "Auf der Straße"), ("cafe", "Café del Mar"), ("москва", "МОСКВА ночью"), ("ΟΔΌΣ", "οδός")],
)
def test_search_words_fold_case_and_accents_as_the_catalogue_search(world: World, query: str, name: str) -> None:
    w = world
    found = library.create_playlist(w.s, owner_id=w.alice, name=name, public=True, now=NOW)
    library.create_playlist(w.s, owner_id=w.alice, name="Anything at all", public=True, now=NOW)
    assert [p.id for p in library.search_playlists(w.s, query=query, limit=10, offset=0).items] == [found.id]
