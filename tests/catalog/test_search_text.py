"""Text filters read from the search index (catalog._search_text) answer exactly as a LIKE over every name did.

The reference below is the statement `allowed_docs` sent before (every word of the value contained in the folded
name, `%` and `_` literal; another kind's filter through its ids). Both are asked the same filters over generated
names with accents, case, punctuation, non-Latin scripts, words past the index's 40-letter cut, and names edited,
added and removed after the last compaction; on SQLite and PostgreSQL.
"""

import random
from collections.abc import Iterator

import pytest
from pyroaring import BitMap
from sqlalchemy import ColumnElement, Select, and_, event, false, select
from sqlalchemy.orm import Session, aliased

from encore.bootstrap import Container
from encore.catalog import (
    Album,
    AlbumArtist,
    Artist,
    CatalogueCache,
    SearchFilters,
    Track,
    TrackArtist,
    _search_text,
    compact,
    index_entity,
    reindex_album,
    reindex_track,
    unindex_entity,
)
from encore.catalog._search_filters import APPLIES, allowed_docs
from encore.catalog._search_models import SearchDoc
from encore.catalog._search_text import Vocabulary, filter_words
from encore.db import transaction
from tests.catalog import factories as f

LONG = "Ab" * 22 + "love"  # 48 letters: the index keeps the first 40, so "love" is past the cut
PIECES = [
    "love", "Lovely", "GLOVE", "Émilie", "Ångström", "AC/DC", "don't", "rock'n'roll", "東京", "事変", "кино",
    "ΘΕΟΔΩΡΑΚΗΣ", "Straße", "ﬁre", "İzmir", "a_b", "50%", "x", "Ray", "Murray", "colour", "night-time",
    "日本語の歌", LONG, "Ω", "café", "CAFE", "naïve", "œuvre", "2024", "①", "R.E.M.", "Sigur Rós", "ab",
]  # fmt: skip
PROBES = [
    "a", "e", "x", "love", "LOVE", "lov", "ove", "glove", "émilie", "EMILIE", "emi", "angstrom", "ÅNGSTRÖM",
    "ac/dc", "ac dc", "dc", "r.e.m", "rem", "don't", "dont", "n", "東京", "京", "事変", "кино", "ИНО", "θεο",
    "strasse", "straße", "ss", "fire", "fi", "ﬁ", "izmir", "a_b", "_", "b", "%", "50%", "50", "ray", "murray",
    "ab", "abab", LONG, "ablove", "colour night", "night time", "time night", "zzzz", "q" * 1000, "!!!", "œ",
    "oeuvre", "2", "1", "①", "sigur ros", "rós", "Ω", "ω", "a love", "a" * 41, "love lovely glove",
]  # fmt: skip


def _title(rng: random.Random) -> str:
    return rng.choice([" ", " - ", ", ", "/", " & "]).join(rng.choice(PIECES) for _ in range(rng.randint(1, 3)))


@pytest.fixture
def catalogue(container: Container) -> Container:
    rng = random.Random(16)
    with transaction(container.sessions) as s:
        artists = [f.artist(s, f"{_title(rng)} {i}") for i in range(12)]
        albums = [f.album(s, _title(rng), rng.choice(artists)) for _ in range(10)]
        for i in range(60):
            f.track(s, _title(rng), rng.choice(albums), rng.sample(artists, rng.randint(1, 2)), number=i + 1)
    return container


def _named(doc: type[SearchDoc], value: str) -> ColumnElement[bool]:
    words = filter_words(value)
    return and_(*(doc.name.contains(w, autoescape=True) for w in words)) if words else false()


def _named_ids(kind: str, value: str) -> Select[tuple[int]]:
    doc = aliased(SearchDoc)
    return select(doc.entity_id).where(doc.kind == kind, _named(doc, value))


def _like(s: Session, kind: str, filters: SearchFilters) -> BitMap:
    """What `allowed_docs` answered for text filters before they were read from the index (a LIKE per doc)."""
    doc = SearchDoc
    statement = select(doc.doc).where(doc.kind == kind, doc.name != "")
    where: list[ColumnElement[bool]] = []
    if kind == "track":
        statement = statement.join(Track, Track.id == doc.entity_id)
        where += [_named(doc, v) for v in filters.tracks]
        for value in filters.artists:
            by_artist = select(TrackArtist.track_id).where(TrackArtist.artist_id.in_(_named_ids("artist", value)))
            where.append(Track.id.in_(by_artist))
        where += [Track.album_id.in_(_named_ids("album", v)) for v in filters.albums]
    elif kind == "album":
        statement = statement.join(Album, Album.id == doc.entity_id)
        where += [_named(doc, v) for v in filters.albums]
        for value in filters.artists:
            by_artist = select(AlbumArtist.album_id).where(AlbumArtist.artist_id.in_(_named_ids("artist", value)))
            where.append(Album.id.in_(by_artist))
    else:
        where += [_named(doc, v) for v in filters.artists]
    return BitMap(s.scalars(statement.where(*where)))


def _asked() -> Iterator[SearchFilters]:
    for value in PROBES:
        yield SearchFilters(tracks=(value,))
        yield SearchFilters(artists=(value,))
        yield SearchFilters(albums=(value,))
    rng = random.Random(7)
    for _ in range(30):  # several fields and values at once
        yield SearchFilters(
            tracks=tuple(rng.sample(PROBES, rng.randint(0, 2))),
            artists=tuple(rng.sample(PROBES, rng.randint(0, 1))),
            albums=tuple(rng.sample(PROBES, rng.randint(0, 1))),
        )


def _questions() -> list[tuple[str, SearchFilters]]:
    """Each filter with each kind it applies to."""
    return [
        (kind, filters)
        for filters in _asked()
        for kind in ("artist", "album", "track")
        if any(kind in APPLIES[name] for name in filters.fields())
    ]


def _reference(c: Container) -> list[BitMap]:
    """What the LIKE reference answers to every question on the catalogue as it stands."""
    with transaction(c.sessions) as s:
        return [_like(s, kind, filters) for kind, filters in _questions()]


def _differences(
    c: Container, cache: CatalogueCache | None, reference: list[BitMap]
) -> list[tuple[str, SearchFilters, BitMap, BitMap]]:
    """Where `allowed_docs` answers otherwise than the reference (taken on the same catalogue: nothing is
    written between the two)."""
    out = []
    with transaction(c.sessions) as s:
        if cache:
            cache.fresh(s)  # as the search does first: what was kept goes when the catalogue moved
        for (kind, filters), old in zip(_questions(), reference, strict=True):
            new = allowed_docs(s, kind=kind, filters=filters, cache=cache)
            if new != old:
                out.append((kind, filters, new, old))
    return out


def _all_alike(c: Container, cache: CatalogueCache, monkeypatch: pytest.MonkeyPatch, *, many: bool = False) -> None:
    reference = _reference(c)  # the LIKE answers once per state: each way of asking below is held to them
    assert _differences(c, None, reference) == []
    assert _differences(c, cache, reference) == []  # read, then
    assert _differences(c, cache, reference) == []  # kept
    if many:
        with monkeypatch.context() as m:  # every word inside "many" terms: the database finds them (instr / strpos)
            m.setattr(_search_text, "MANY_TERMS", 0)
            assert _differences(c, None, reference) == []


def _edit(c: Container) -> None:
    """Names changed after the last compaction: renamed, moved, added, removed."""
    with transaction(c.sessions) as s:
        tracks = list(s.scalars(select(Track).order_by(Track.id)))
        for track, title in zip(tracks[:6], ["Lovely Day", "GLOVE", "Émilie", "ac/dc", "東京事変", LONG], strict=True):
            track.title = title
            s.flush()
            reindex_track(s, track, album_title=s.get(Album, track.album_id).title)  # type: ignore[union-attr]
        unindex_entity(s, kind="track", entity_id=tracks[6].id)
        album = s.scalars(select(Album).order_by(Album.id)).first()
        assert album is not None
        album.title = "Night-Time Murray"
        s.flush()
        reindex_album(s, album)
        artist = s.scalars(select(Artist).order_by(Artist.id)).first()
        assert artist is not None
        artist.name = "Straße Ray"
        index_entity(s, kind="artist", entity_id=artist.id, name=artist.name)
        f.track(s, "Kino Love 50%", album, [artist], number=99)


def test_index_answers_as_like_on_dirty_compacted_and_edited_docs(
    catalogue: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = CatalogueCache(catalogue.state)  # the state every commit moves, as a server's cache
    _all_alike(catalogue, cache, monkeypatch)  # every doc dirty: nothing compacted yet
    with transaction(catalogue.sessions) as s:
        assert compact(s) > 0
    _all_alike(catalogue, cache, monkeypatch, many=True)
    _edit(catalogue)
    _all_alike(catalogue, cache, monkeypatch, many=True)
    with transaction(catalogue.sessions) as s:
        compact(s)
    _all_alike(catalogue, cache, monkeypatch)


def test_the_reference_finds_something_to_compare(catalogue: Container) -> None:
    """The comparison above is not between two empty answers."""
    with transaction(catalogue.sessions) as s:
        compact(s)
        assert len(_like(s, "track", SearchFilters(tracks=("love",)))) > 5
        assert _like(s, "track", SearchFilters(tracks=("ray",))) > _like(s, "track", SearchFilters(tracks=("murray",)))
        assert _like(s, "track", SearchFilters(tracks=("京",)))
    _edit(catalogue)
    with transaction(catalogue.sessions) as s:
        past_cut = allowed_docs(s, kind="track", filters=SearchFilters(tracks=("ablove",)), cache=None)
        assert past_cut and past_cut == _like(s, "track", SearchFilters(tracks=("ablove",)))


def test_hostile_values_find_what_like_found(catalogue: Container) -> None:
    """One letter, 1,000 letters, only punctuation, LIKE's wildcards, NUL: answered, and as LIKE answered."""
    with transaction(catalogue.sessions) as s:
        compact(s)
        for value in ("a", "q" * 1000, "love " * 200, "!!! ... ---", "%", "_", "%_%", "\\", "/", "a\x00b"):
            for kind, filters in (
                ("track", SearchFilters(tracks=(value,))),
                ("album", SearchFilters(artists=(value,))),
            ):
                assert allowed_docs(s, kind=kind, filters=filters, cache=None) == _like(s, kind, filters), value
        assert not allowed_docs(s, kind="track", filters=SearchFilters(tracks=("%",)), cache=None)
        assert not allowed_docs(s, kind="track", filters=SearchFilters(tracks=("!!!",)), cache=None)


def test_a_text_filter_reads_no_name_of_any_doc(catalogue: Container) -> None:
    """review15: `track:love` and `artist:zzz` read every track's name (a LIKE per doc). Now no statement
    compares a name: the terms are read from the index, and only dirty docs' names are read."""
    sent: list[str] = []
    with transaction(catalogue.sessions) as s:
        compact(s)

        def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
            sent.append(statement)

        engine = s.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            for filters in (
                SearchFilters(tracks=("love",)),
                SearchFilters(artists=("zzz",)),
                SearchFilters(tracks=("a",)),
            ):
                allowed_docs(s, kind="track", filters=filters, cache=None)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    assert sent
    named = [q for q in sent if "search_docs.name" in q and "search_docs.doc IN" not in q and "name = " not in q]
    assert not named and not [q for q in sent if "LIKE" in q.upper()]


def test_a_word_is_found_inside_terms_and_at_their_start() -> None:
    vocabulary = Vocabulary.of("glove\nlove\nlovely\nmurray\nray", ())
    assert vocabulary.containing("love") == (True, ["glove"])
    assert vocabulary.containing("ray") == (True, ["murray"])
    assert vocabulary.containing("ov") == (False, ["glove", "love", "lovely"])
    assert vocabulary.containing("zz") == (False, [])
    assert Vocabulary.of("", ()).containing("a") == (False, [])


def test_a_kinds_terms_are_weighed_as_python_holds_them() -> None:
    """review16: one astral-plane term makes every character of the kept text 4 bytes, and the weight counted 2."""
    from encore.catalog._search_text import Vocabulary

    latin = Vocabulary.of("\n".join(f"word{i}" for i in range(10_000)), ())
    astral = Vocabulary.of("\n".join(f"word{i}" for i in range(10_000)) + "\n\U0001f3b5", ())
    assert astral.cost >= 4 * len(astral.text) > 3 * latin.cost
