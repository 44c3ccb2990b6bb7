from datetime import date

import pytest

from encore.bootstrap import Container
from encore.catalog import CatalogueCache, compact, search_catalogue
from encore.db import transaction
from encore.state import MemoryState
from tests.catalog import factories as f

ALL = frozenset({"artist", "album", "track"})


@pytest.fixture
def catalogue(container: Container) -> Container:
    with transaction(container.sessions) as s:
        emilie = f.artist(s, "Émilie Ångström")
        aurora = f.artist(s, "Aurora Lights")
        f.artist(s, "Auroch")
        night = f.album(s, "Night Café", emilie, released=date(2024, 3, 1))
        dawn = f.album(s, "Dawn Songs", aurora, released=date(2023, 1, 1))
        f.track(s, "Señor Blue", night, [emilie, aurora])
        f.track(s, "Aurora", dawn, [aurora], number=1)
        f.track(s, "Morning Glow", dawn, [aurora], number=2)
        for i in range(30):
            f.track(s, f"Filler {i:02d}", dawn, [aurora], number=3 + i)
    return container


def _search(c: Container, q: str, kinds: frozenset[str] = ALL, limit: int = 10, offset: int = 0):  # type: ignore[no-untyped-def]
    with transaction(c.sessions) as s:
        return search_catalogue(s, query=q, kinds=kinds, limit=limit, offset=offset)


def test_prefix_as_you_type(catalogue: Container) -> None:
    for typed in ("e", "em", "emi", "emil", "emilie"):
        names = [a.name for a in _search(catalogue, typed).artists.items]
        assert names == ["Émilie Ångström"], typed


def test_case_and_diacritics_insensitive(catalogue: Container) -> None:
    assert [a.title for a in _search(catalogue, "NIGHT CAFE").albums.items] == ["Night Café"]
    assert [t.title for t in _search(catalogue, "senor").tracks.items] == ["Señor Blue"]
    assert [a.name for a in _search(catalogue, "ANGSTRÖM").artists.items] == ["Émilie Ångström"]


def test_name_matches_rank_above_mentions(catalogue: Container) -> None:
    tracks = [t.title for t in _search(catalogue, "aurora").tracks.items]
    assert tracks[0] == "Aurora"  # the title match beats tracks merely by Aurora Lights
    artists = [a.name for a in _search(catalogue, "auro").artists.items]
    assert set(artists) == {"Aurora Lights", "Auroch"}


def test_multiple_words_all_must_match(catalogue: Container) -> None:
    assert [t.title for t in _search(catalogue, "morn aur").tracks.items] == ["Morning Glow"]
    assert _search(catalogue, "morning emilie").tracks.items == []


def test_pagination(catalogue: Container) -> None:
    first = _search(catalogue, "filler", frozenset({"track"}), limit=10, offset=0)
    second = _search(catalogue, "filler", frozenset({"track"}), limit=10, offset=10)
    assert first.tracks.total == 30
    ids = [t.id for t in first.tracks.items] + [t.id for t in second.tracks.items]
    assert len(set(ids)) == 20


@pytest.mark.parametrize(
    "hostile", ['"', "*", "NEAR(", "a OR b", "'; DROP TABLE tracks; --", "\x00", ":*", "&|!", "   "]
)
def test_query_syntax_cannot_break_search(catalogue: Container, hostile: str) -> None:
    result = _search(catalogue, hostile)
    assert result.query == hostile  # answered, never an error
    assert _search(catalogue, "morning").tracks.total == 1  # and the tables are intact


@pytest.mark.parametrize("kinds", [frozenset(), frozenset({"playlist", "episode"})])
def test_no_kind_to_search_is_an_empty_answer(catalogue: Container, kinds: frozenset[str]) -> None:
    """Review (session 10): with no kind the engine's statement had an empty IN list, which the raw cursor refuses."""
    result = _search(catalogue, "aurora", kinds=kinds)
    assert (result.artists.total, result.albums.total, result.tracks.total) == (0, 0, 0)
    assert _search(catalogue, "aurora").tracks.total > 0


@pytest.mark.parametrize(("limit", "offset", "shown"), [(5, 20, 5), (50, 25, 5), (50, 500, 0), (0, 0, 0)])
def test_a_deep_page_loads_only_the_views_it_shows(catalogue: Container, limit: int, offset: int, shown: int) -> None:
    """Issue #16's hostile page (limit 50 at offset 500): the hits it skips are only counted, never loaded,
    and the page is the same slice the first pages continue."""
    cache = CatalogueCache(MemoryState())
    with transaction(catalogue.sessions) as s:
        compact(s)  # stored docs, whose entity ids the cache keeps (a dirty doc's come with the preamble)
    with transaction(catalogue.sessions) as s:
        page = search_catalogue(s, query="filler", kinds=frozenset({"track"}), limit=limit, offset=offset, cache=cache)
    every = _search(catalogue, "filler", frozenset({"track"}), limit=50, offset=0).tracks.items
    assert page.tracks.total == 30
    assert [t.id for t in page.tracks.items] == [t.id for t in every[offset : offset + limit]]
    assert len(page.tracks.items) == len(cache.views) == len(cache.docs) == shown


def test_and_finds_an_ampersand_and_the_other_way(container: Container) -> None:
    """probe20 N3: "Kofi & The Tides" was found and "kofi and the tides" was not: "&" is no word, "and" was one
    that every match had to hold. Now "and" beside other words need not be in the name; alone, it is a word."""
    with transaction(container.sessions) as s:
        kofi = f.artist(s, "Kofi & The Tides")
        rock = f.artist(s, "Rock and Roll Band")
        f.album(s, "Salt and Light", kofi)
        f.artist(s, "Andrea Bell")
    for query in ("kofi and the tides", "Kofi & The Tides", "KOFI AND TIDES", "and kofi"):
        assert [a.name for a in _search(container, query).artists.items] == ["Kofi & The Tides"], query
    for query in ("rock and roll", "rock & roll", "rock roll band"):
        assert [a.name for a in _search(container, query).artists.items] == [rock.name], query
    assert [a.title for a in _search(container, "salt & light").albums.items] == ["Salt and Light"]
    alone = {a.name for a in _search(container, "and").artists.items}
    assert alone == {"Rock and Roll Band", "Andrea Bell"}  # "and" alone is still a word (and a prefix)
    assert _search(container, "kofi and roll").artists.items == []  # the other words all still count
