"""Followed artists by cursor (Spotify's /me/following) and the search of public playlists, on SQLite and
PostgreSQL."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from encore import library
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import folded_words
from encore.kernel import ValidationFailed
from encore.library import Playlist
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


def test_a_playlist_keeps_its_name_folded_as_the_search_reads_it_through_a_rename(world: World) -> None:
    """review32a M2: the name is folded once, when it is written (created, renamed), not on every row of every
    search; the search finds a renamed playlist by its new name only."""
    w = world
    made = library.create_playlist(w.s, owner_id=w.alice, name="Auf der Straße", public=True, now=NOW)
    stored = w.s.scalar(select(Playlist).where(Playlist.public_id == made.id))
    assert stored is not None and stored.name_key == "auf der strasse"
    library.update_playlist(w.s, playlist_id=made.id, user_id=w.alice, name="ΟΔΟΣ Café", now=NOW)
    w.s.refresh(stored)
    assert stored.name_key == "οδοσ cafe"
    assert library.search_playlists(w.s, query="strasse", limit=10, offset=0).total == 0
    assert [p.id for p in library.search_playlists(w.s, query="cafe οδός", limit=10, offset=0).items] == [made.id]


def test_the_search_folds_no_stored_name_per_row(world: World) -> None:
    """review32a M2: folding every public name in SQL (`db.unaccented_fold`: lower, normalize, translate, replace,
    regexp_replace) cost ~6x the scan on PostgreSQL, once per word; the statements of a search now compare the stored
    fold with LIKE and call no function on the names."""
    w = world
    library.create_playlist(w.s, owner_id=w.alice, name="Night Drive", public=True, now=NOW)
    said: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        said.append(statement)

    engine = w.s.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert library.search_playlists(w.s, query="NIGHT drive", limit=10, offset=0).total == 1
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    searched = [s for s in said if "FROM playlists" in s and "LIKE" in s]
    assert searched, said
    for statement in searched:
        assert "name_key LIKE" in statement
        assert not any(f in statement for f in ("normalize(", "lower(", "encore_unaccented_fold", "regexp_replace"))


@pytest.mark.parametrize("query", ["\u0301", "\u0301 \u0308", " \u0301\u0301 "], ids=["one", "two", "doubled"])
def test_a_query_of_accents_alone_finds_no_playlist(world: World, query: str) -> None:
    """review32a L2: a combining accent folds to nothing, and "" is held by every name: one accent listed every
    public playlist. A word that folds to nothing asks nothing; with no word left, nothing is listed."""
    w = world
    night = library.create_playlist(w.s, owner_id=w.alice, name="Night Drive", public=True, now=NOW)
    library.create_playlist(w.s, owner_id=w.bob, name="Café", public=True, now=NOW)
    found = library.search_playlists(w.s, query=query, limit=10, offset=0)
    assert (found.items, found.total) == ([], 0)
    beside = library.search_playlists(w.s, query=f"{query} night", limit=10, offset=0)
    assert [p.id for p in beside.items] == [night.id]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("", []),
        ("\u0301", []),
        ("\u0301 Café \u0308", ["cafe"]),
        ("a abba A", ["abba"]),
        ("STRASSE Straße", ["strasse"]),
        (" ".join(f"w{i:02d}" for i in range(12)), [f"w{i:02d}" for i in range(10)]),
    ],
    ids=["empty", "accent", "accents-beside", "inside", "same-fold", "most"],
)
def test_folded_words_drop_what_folds_to_nothing(query: str, words: list[str]) -> None:
    assert sorted(folded_words(query)) == sorted(words)
