"""Field filters on the catalogue search (catalog._search_filters), on SQLite and PostgreSQL."""

from datetime import date

import pytest
from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.catalog import (
    Album,
    AlbumGenre,
    Artist,
    CatalogueCache,
    ReleaseStatus,
    SearchFilters,
    Track,
    TrackGenre,
    compact,
    search_catalogue,
    set_release_status,
    upsert_genre,
)
from encore.catalog import new_releases as catalog_new_releases
from encore.db import transaction
from encore.state import MemoryState
from tests.catalog import factories as f

ALL = frozenset({"artist", "album", "track"})
ISRC, UPC = "GBENC2400057", "099906726800"


@pytest.fixture
def catalogue(container: Container) -> Container:
    with transaction(container.sessions) as s:
        senor = f.artist(s, "Café Señor")
        radio = f.artist(s, "Radiohead")
        other = f.artist(s, "Orchard Band")
        rooms = f.album(s, "Orchard Rooms", senor, released=date(1994, 5, 1))
        rooms.upc = UPC
        creep = f.album(s, "Pablo Honey", radio, released=date(1993, 2, 22))
        fresh = f.album(s, "Fresh Leaves", other, released=date(2026, 11, 30))
        f.track(s, "Orchard Rooms", rooms, [senor]).isrc = ISRC
        f.track(s, "Creep", creep, [radio])
        f.track(s, "Creep (Acoustic)", fresh, [other])
        f.track(s, "Orchard Walk", fresh, [other, senor])
        _genre(s, "Trip-Hop", track_title="Orchard Walk")
        s.add(AlbumGenre(album_id=creep.id, genre_id=upsert_genre(s, name="Alternative Rock").id))
    return container


def _genre(s: Session, name: str, *, track_title: str) -> None:
    track = s.query(Track).filter_by(title=track_title).one()
    s.add(TrackGenre(track_id=track.id, genre_id=upsert_genre(s, name=name).id))


def _search(c: Container, q: str = "", kinds: frozenset[str] = ALL, limit: int = 10, offset: int = 0, **filters):  # type: ignore[no-untyped-def]
    with transaction(c.sessions) as s:
        return search_catalogue(s, query=q, kinds=kinds, limit=limit, offset=offset, filters=SearchFilters(**filters))


def _titles(c: Container, q: str = "", **filters: object) -> list[str]:
    return [t.title for t in _search(c, q, **filters).tracks.items]


def test_artist_and_track_filters_find_the_track_spotipy_asks_for(catalogue: Container) -> None:
    assert _titles(catalogue, artists=("Radiohead",), tracks=("Creep",)) == ["Creep"]
    assert sorted(_titles(catalogue, tracks=("creep",))) == ["Creep", "Creep (Acoustic)"]
    assert _titles(catalogue, artists=("radiohead",), tracks=("Orchard",)) == []


def test_a_text_filter_looks_only_at_its_own_field(catalogue: Container) -> None:
    """`track:Orchard` is the title: "Orchard Band"'s "Creep (Acoustic)" (Orchard in its artist) is not found;
    `artist:Orchard` is the artist, not the title or album "Orchard Rooms"."""
    assert sorted(_titles(catalogue, tracks=("Orchard",))) == ["Orchard Rooms", "Orchard Walk"]
    assert sorted(_titles(catalogue, artists=("Orchard",))) == ["Creep (Acoustic)", "Orchard Walk"]
    assert _titles(catalogue, albums=("orchard rooms",)) == ["Orchard Rooms"]
    assert _titles(catalogue, "rooms", tracks=("Orchard",)) == ["Orchard Rooms"]  # words and filters together
    assert _titles(catalogue, artists=("cafe senor",)) == ["Orchard Rooms", "Orchard Walk"]  # a featured artist too


def test_filters_narrow_artists_and_albums_as_spotify_says(catalogue: Container) -> None:
    found = _search(catalogue, artists=("señor",))
    assert [a.name for a in found.artists.items] == ["Café Señor"]
    assert [b.title for b in found.albums.items] == ["Orchard Rooms"]
    only_tracks = _search(catalogue, isrcs=(ISRC,))  # isrc: narrows tracks only; other kinds have no words
    assert [t.title for t in only_tracks.tracks.items] == ["Orchard Rooms"]
    assert (only_tracks.artists.total, only_tracks.albums.total) == (0, 0)
    with_words = _search(catalogue, "orchard", isrcs=(ISRC,))  # with words, a filter that does not apply is left
    assert (with_words.albums.total, with_words.artists.total, with_words.tracks.total) == (2, 1, 1)


def test_isrc_and_upc_are_exact_lookups(catalogue: Container) -> None:
    assert _titles(catalogue, isrcs=(ISRC,)) == ["Orchard Rooms"]
    assert _titles(catalogue, isrcs=("GBENC2400058",)) == []
    assert [b.title for b in _search(catalogue, upcs=(UPC,)).albums.items] == ["Orchard Rooms"]
    assert [b.title for b in _search(catalogue, upcs=("0" + UPC,)).albums.items] == ["Orchard Rooms"]  # its EAN-13


def test_years_and_ranges(catalogue: Container) -> None:
    assert _titles(catalogue, years=(1994, 1994)) == ["Orchard Rooms"]
    assert sorted(_titles(catalogue, years=(1990, 1999))) == ["Creep", "Orchard Rooms"]
    assert _titles(catalogue, years=(0, 9999)) != []  # the widest range: every dated release
    assert _titles(catalogue, years=(2000, 1990)) == []  # two years no release is in at once
    assert [a.name for a in _search(catalogue, years=(1993, 1993)).artists.items] == ["Radiohead"]


def test_a_year_of_zero_is_the_first_year_not_an_error(catalogue: Container) -> None:
    """probe16 F4: year:0 (also 00, 0000, 0-0) answered 500 to any app: the range's end stayed year 0."""
    for years in ((0, 0), (0, 1), (-5, 0), (10_000, 10_001)):
        found = _search(catalogue, years=years)
        assert (found.tracks.items, found.albums.items, found.artists.items) == ([], [], []), years


def test_a_labels_draft_counts_for_no_artist_filter(catalogue: Container) -> None:
    """probe16 F5: an artist with a draft dated 2031 (genre Vaporwave) was found by year:2031 and genre:Vaporwave
    before the label published anything."""
    with transaction(catalogue.sessions) as s:
        radio = s.query(Artist).filter_by(name="Radiohead").one()
        draft = f.album(s, "Kid B", radio, released=date(2031, 5, 1))
        f.track(s, "Secret Demo", draft, [radio])
        _genre(s, "Vaporwave", track_title="Secret Demo")
        set_release_status(s, album=draft, status=ReleaseStatus.DRAFT)
    assert _search(catalogue, years=(2031, 2031)).artists.items == []
    assert _search(catalogue, genres=("vaporwave",)).artists.items == []
    with transaction(catalogue.sessions) as s:
        set_release_status(s, album=s.query(Album).filter_by(title="Kid B").one(), status=ReleaseStatus.PUBLISHED)
    assert [a.name for a in _search(catalogue, years=(2031, 2031)).artists.items] == ["Radiohead"]
    assert [a.name for a in _search(catalogue, genres=("vaporwave",)).artists.items] == ["Radiohead"]


def test_genre_of_the_track_or_its_album(catalogue: Container) -> None:
    assert _titles(catalogue, genres=("TRIP-HOP",)) == ["Orchard Walk"]
    assert _titles(catalogue, genres=("Alternative Rock",)) == ["Creep"]  # the album's genre
    artists = _search(catalogue, genres=("trip-hop",)).artists.items  # the featured artist too
    assert sorted(a.name for a in artists) == ["Café Señor", "Orchard Band"]
    assert _titles(catalogue, genres=("polka",)) == []


def test_tag_new_and_hipster_narrow_albums(catalogue: Container) -> None:
    assert [b.title for b in _search(catalogue, released_since=date(2026, 11, 20)).albums.items] == ["Fresh Leaves"]
    hipster = _search(catalogue, hipster=True).albums
    assert hipster.total == 1  # the least popular tenth of three albums, rounded up: the last one


def test_a_release_dated_ahead_is_not_new_until_its_day(catalogue: Container) -> None:
    """review16: the release date may be up to ten years ahead, and New releases and tag:new took it first for
    all that time."""
    with transaction(catalogue.sessions) as s:
        other = s.query(Artist).filter_by(name="Orchard Band").one()
        f.album(s, "Next Year", other, released=date(2027, 6, 1))
    today = date(2026, 12, 4)
    new = _search(catalogue, released_since=date(2026, 11, 20), released_until=today).albums.items
    assert [b.title for b in new] == ["Fresh Leaves"]
    with catalogue.sessions() as s:
        shelf = catalog_new_releases(s, limit=10, offset=0, today=today)
        assert [a.title for a in shelf.items][:1] == ["Fresh Leaves"] and shelf.total == 3
        later = catalog_new_releases(s, limit=10, offset=0, today=date(2027, 6, 1))
        assert [a.title for a in later.items][:1] == ["Next Year"] and later.total == 4


def test_an_unreadable_filter_finds_nothing_for_its_kinds_only(catalogue: Container) -> None:
    found = _search(catalogue, "orchard", nothing=(("isrc", "not an ISRC"),))
    assert found.tracks.total == 0 and found.albums.total == 2  # isrc: is a tracks' filter
    assert _search(catalogue, "orchard").tracks.total == 3  # what the filter took away


def test_a_value_with_sql_wildcards_is_text(catalogue: Container) -> None:
    assert _titles(catalogue, tracks=("o_c",)) == []  # unescaped, `_` would take any letter: "Orchard"
    assert _titles(catalogue, tracks=("%",)) == []  # no word at all: a filter never widens a search


def test_filtered_pages_are_kept_apart_from_unfiltered_ones(catalogue: Container) -> None:
    cache = CatalogueCache(MemoryState())
    with transaction(catalogue.sessions) as s:
        plain = search_catalogue(s, query="creep", kinds=ALL, limit=10, offset=0, cache=cache)
        narrowed = search_catalogue(
            s, query="creep", kinds=ALL, limit=10, offset=0, cache=cache, filters=SearchFilters(artists=("radio",))
        )
    assert plain.tracks.total == 2 and [t.title for t in narrowed.tracks.items] == ["Creep"]


def test_filters_see_compacted_and_dirty_docs_alike(catalogue: Container) -> None:
    with transaction(catalogue.sessions) as s:
        compact(s)
    assert _titles(catalogue, artists=("Radiohead",), tracks=("Creep",)) == ["Creep"]
    with transaction(catalogue.sessions) as s:
        f.track(
            s,
            "Creep Again",
            s.query(Album).filter_by(title="Pablo Honey").one(),
            [s.query(Artist).filter_by(name="Radiohead").one()],
        )
    assert sorted(_titles(catalogue, artists=("Radiohead",), tracks=("Creep",))) == ["Creep", "Creep Again"]
    assert _search(catalogue, artists=("Radiohead",), tracks=("Creep",), limit=1, offset=1).tracks.total == 2
