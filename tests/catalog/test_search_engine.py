"""The search engine itself: typos, the process cache answering as the database does, and statements
whose plan no statistics can spoil. Every test runs on SQLite and PostgreSQL (the plan test on SQLite)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, text

from encore.bootstrap import Container
from encore.catalog import (
    CatalogueCache,
    SearchPrefix,
    SearchResults,
    Track,
    compact,
    index_entity,
    search_catalogue,
)
from encore.catalog._search_build import HOT_TERMS
from encore.db import transaction
from encore.state import MemoryState
from tests.catalog import factories as f

ALL = frozenset({"artist", "album", "track"})
LONG = "Pneumonoultramicroscopicsilico"  # 30 letters: past the typo limit
MID = "Counterrevolutionary"  # 20 letters: within it


@pytest.fixture
def shelf(container: Container) -> Container:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Golden Electric")
        moon = f.artist(s, "Moon Unit")
        album = f.album(s, "Electric Garden", band)
        night = f.album(s, "Night Moves", moon)
        f.track(s, "Golden Hour", album, [band], number=1)
        f.track(s, "Goldfish", album, [band], number=2)
        f.track(s, "Electric Dreams", album, [band], number=3)
        f.track(s, "Holden", night, [moon], number=1)
        f.track(s, LONG, night, [moon], number=2)
        f.track(s, MID, night, [moon], number=3)
        for i in range(12):
            f.track(s, f"Moon Song {i:02d}", night, [moon], number=4 + i)
    return container


def _search(
    c: Container, q: str, *, cache: CatalogueCache | None = None, limit: int = 10, offset: int = 0
) -> SearchResults:
    with transaction(c.sessions) as s:
        return search_catalogue(s, query=q, kinds=ALL, limit=limit, offset=offset, cache=cache)


def _titles(found: SearchResults) -> list[str]:
    return [t.title for t in found.tracks.items]


def _answer(found: SearchResults) -> tuple[object, ...]:
    pages = (found.artists, found.albums, found.tracks)
    return tuple((p.total, [item.id for item in p.items]) for p in pages)


def test_a_typo_finds_the_word(shelf: Container) -> None:
    assert "Golden Hour" in _titles(_search(shelf, "goldn"))  # the listener
    assert _titles(_search(shelf, "electirc drems")) == ["Electric Dreams"]  # two words, each with a typo
    assert [a.name for a in _search(shelf, "electirc").artists.items] == ["Golden Electric"]


def test_a_typo_read_from_the_stored_sets_finds_only_the_kinds_asked(shelf: Container) -> None:
    """A typo's terms are read from the stored sets (one statement per set of kinds asked, whose sets come in
    PostgreSQL's binary protocol): each kind asked alone, and two together, find what their own search finds."""
    with transaction(shelf.sessions) as s:
        assert compact(s) > 0  # every doc folded in: "electirc" is matched by the stored "electric" sets
    answers = {}
    for kinds in ({"artist"}, {"album"}, {"track"}, {"album", "track"}):
        with transaction(shelf.sessions) as s:
            found = search_catalogue(s, query="electirc", kinds=frozenset(kinds), limit=10, offset=0)
        answers[frozenset(kinds)] = found
        if "artist" not in kinds:
            assert found.artists.total == 0 and found.artists.items == []
        if "track" not in kinds:
            assert found.tracks.total == 0
    assert [a.name for a in answers[frozenset({"artist"})].artists.items] == ["Golden Electric"]
    assert [a.title for a in answers[frozenset({"album"})].albums.items] == ["Electric Garden"]
    # one typo tier, in popularity order: the track named so, and the album's others by their context
    assert sorted(_titles(answers[frozenset({"track"})])) == ["Electric Dreams", "Golden Hour", "Goldfish"]
    both = answers[frozenset({"album", "track"})]
    assert _answer(both)[1:] == (_answer(answers[frozenset({"album"})])[1], _answer(answers[frozenset({"track"})])[2])


def test_typos_rank_after_what_was_typed(shelf: Container) -> None:
    titles = _titles(_search(shelf, "golden"))
    assert titles[0] == "Golden Hour" and "Holden" in titles  # one letter away, so after the real match
    assert titles.index("Holden") > titles.index("Golden Hour")


def test_short_and_very_long_words_forgive_no_typo(shelf: Container) -> None:
    assert _titles(_search(shelf, "hld")) == []  # three letters: a typo would match half the catalogue
    assert _titles(_search(shelf, MID[:-2] + "ty")) == [MID]  # 20 letters, one changed: found
    assert _titles(_search(shelf, LONG[:-1] + "x")) == []  # 30 letters: no typo lookup (bounded work)
    assert _titles(_search(shelf, LONG[:12])) == [LONG]  # but as you type it is found


QUERIES = ["g", "go", "gol", "goldn", "golden hour", "electirc", "moon so", "moon song 03", "night", "x"]


def test_the_process_cache_answers_as_the_database(shelf: Container) -> None:
    cache = shelf.catalogue_cache  # the process's own: told of each commit, as a server's is
    for q in QUERIES:
        expected = _answer(_search(shelf, q))
        assert _answer(_search(shelf, q, cache=cache)) == expected, q  # cold
        assert _answer(_search(shelf, q, cache=cache)) == expected, q  # warm
        assert _answer(_search(shelf, q, cache=cache, offset=5, limit=3)) == _answer(
            _search(shelf, q, offset=5, limit=3)
        ), q
    with transaction(shelf.sessions) as s:  # an edit: a doc is dirty, its stored sets are stale
        hour = s.scalar(select(Track).where(Track.title == "Golden Hour"))
        assert hour is not None
        hour.title = "Silver Hour"
        index_entity(s, kind="track", entity_id=hour.id, name="Silver Hour", context="Golden Electric Electric Garden")
    for q in [*QUERIES, "silver"]:
        assert _answer(_search(shelf, q, cache=cache)) == _answer(_search(shelf, q)), q
    assert _search(shelf, "silver", cache=cache).tracks.total == 1
    with transaction(shelf.sessions) as s:  # folded in: the stored sets change, and the cache follows
        assert compact(s) > 0
    for q in [*QUERIES, "silver"]:
        assert _answer(_search(shelf, q, cache=cache)) == _answer(_search(shelf, q)), q
    assert _titles(_search(shelf, "silver hour", cache=cache)) == ["Silver Hour"]


@contextmanager
def _statements(c: Container) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        seen.append((statement, parameters))

    event.listen(c.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(c.engine, "before_cursor_execute", record)


def test_a_warm_search_sends_one_statement(shelf: Container) -> None:
    cache = CatalogueCache(MemoryState())
    for q in ("moon so", "goldn", "g"):
        first = _answer(_search(shelf, q, cache=cache))
        other_page = _answer(_search(shelf, q, limit=3, offset=1))
        with _statements(shelf) as seen:  # a new page of a warm query: the engine runs, its sets are warm
            assert _answer(_search(shelf, q, cache=cache, limit=3, offset=1)) == other_page
        # the preamble (sets' version, changed docs, exact names); at most once a second the catalogue's version
        assert 1 <= len(seen) <= 2, (q, [s for s, _ in seen])
        with _statements(shelf) as seen:  # the same page again: kept with the views, nothing to read
            assert _answer(_search(shelf, q, cache=cache)) == first
        assert len(seen) <= 1, (q, [s for s, _ in seen])  # at most the catalogue's version, once a second


def test_kept_pages_follow_an_edit_at_once(shelf: Container) -> None:
    """A query's kept page goes when the catalogue's version moves: the next search sees the edit."""
    cache = shelf.catalogue_cache
    assert _titles(_search(shelf, "golden", cache=cache))[0] == "Golden Hour"
    with transaction(shelf.sessions) as s:
        hour = s.scalar(select(Track).where(Track.title == "Golden Hour"))
        assert hour is not None
        hour.title = "Silver Hour"
        index_entity(s, kind="track", entity_id=hour.id, name="Silver Hour", context="Golden Electric Electric Garden")
    after = _search(shelf, "golden", cache=cache)
    assert "Silver Hour" in _titles(after) and "Golden Hour" not in _titles(after)
    assert _answer(after) == _answer(_search(shelf, "golden"))
    with transaction(shelf.sessions) as s:  # inside a transaction that changed the catalogue: its own writes
        hour = s.scalar(select(Track).where(Track.title == "Silver Hour"))
        assert hour is not None
        index_entity(s, kind="track", entity_id=hour.id, name="Bronze Hour", context="")
        mine = search_catalogue(s, query="bronze", kinds=ALL, limit=10, offset=0, cache=cache)
        assert mine.tracks.total == 1


def test_statistics_from_a_bulk_import_cannot_make_searches_scan_every_doc(container: Container) -> None:
    """ANALYZE while every doc is dirty (a bulk import, then a rebuild) once left SQLite scanning all of
    `search_docs` for the dirty ones on every search and write: the statements read the partial index."""
    if container.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's autovacuum re-analyses after the compaction's updates")
    with transaction(container.sessions) as s:
        rows = [{"e": 10_000 + i, "d": 10_000 + i, "n": f"bulk {i}"} for i in range(2000)]
        s.execute(
            text(
                "INSERT INTO search_docs (kind, entity_id, doc, name, context, dirty)"
                " VALUES ('track', :e, :d, :n, '', 1)"
            ),
            rows,
        )
    with container.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("UPDATE search_docs SET dirty = 0, stored_name = name, stored_context = context")
    with transaction(container.sessions) as s:
        artist = f.artist(s, "Planned Artist")
        album = f.album(s, "Planned Album", artist)
        f.track(s, "Planned Song", album, [artist])
    with _statements(container) as seen:
        found = _search(container, "planned song")
        with transaction(container.sessions) as s:
            index_entity(s, kind="artist", entity_id=artist.id, name="Planned Artist Renamed")
    assert _titles(found) == ["Planned Song"]
    dirty_reads = [(sql, params) for sql, params in seen if "dirty = 1" in sql and "search_docs" in sql]
    assert len(dirty_reads) >= 2  # the search's and the write's "is a compaction due?"
    with container.engine.connect() as conn:
        for sql, params in dirty_reads:
            plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
            full_scans = [p for p in plan if p.startswith("SCAN search_docs") and "INDEX" not in p]
            assert not full_scans, (sql, plan)
            assert any("ix_search_docs_dirty" in p for p in plan), (sql, plan)


def test_a_short_word_stored_as_a_prefix_in_one_kind_still_finds_the_terms_of_another(container: Container) -> None:
    """A word of up to three letters reads its stored prefix row first, and the terms it begins only for the
    kinds that have no such row: "zq" begins more than HOT_TERMS artist names (one stored set) but one track."""
    with transaction(container.sessions) as s:
        artists = [f.artist(s, f"Zq{chr(97 + i // 26)}{chr(97 + i % 26)} Band") for i in range(HOT_TERMS + 6)]
        album = f.album(s, "Quiet Album", artists[0])
        f.track(s, "Zqx Song", album, [artists[0]])
        f.track(s, "Other Song", album, [artists[1]])
    container.rebuild_search()
    with transaction(container.sessions) as s:
        stored = s.scalars(select(SearchPrefix.kind).where(SearchPrefix.prefix == "zq")).all()
    assert stored == ["artist"]
    for cache in (None, CatalogueCache(MemoryState())):
        found = _search(container, "zq", cache=cache)
        assert found.artists.total == HOT_TERMS + 6
        assert _titles(found) == ["Zqx Song", "Other Song"]  # a title word first, then the artist's name
        assert _titles(_search(container, "zqx", cache=cache)) == ["Zqx Song"]
