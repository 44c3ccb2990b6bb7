"""Field filters on the catalogue search: what `artist:`, `year:`, `isrc:`... mean, per kind of thing found.

The filters are typed (`SearchFilters`; the /v1 face parses Spotify's query syntax into them) and each applies
only to the kinds Spotify names (`APPLIES`): a filter that does not apply to a kind leaves that kind alone.
A kind with filters is narrowed to the docs they allow (`allowed_docs`, one statement over `search_docs`,
which holds only listed things, joined to the rows), and the search ranks within them as it always does.

Text filters (track, artist, album) hold when every word of the value is in the field, case and accents
folded as the index folds them; genre is the stored genre's key (`genre_keys`); ISRC and UPC are exact;
a year range takes a release date within it. Cost: a filter with few words can allow a large part of the
catalogue (`year:1900-2100`), read as one list of doc numbers, once per query and page (then kept with the
query's pages in the process cache).
"""

from dataclasses import dataclass, field
from datetime import date

from pyroaring import BitMap
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from encore.catalog._models import (
    Album,
    AlbumArtist,
    AlbumGenre,
    Genre,
    Track,
    TrackArtist,
    TrackGenre,
)
from encore.catalog._search_models import SearchDoc
from encore.catalog._search_terms import MAX_TERM, MAX_WORDS
from encore.catalog._text import genre_keys, search_words, upc_spellings

# Which kinds each filter narrows (Spotify's Web API reference, "Search for Item", the `q` parameter).
APPLIES: dict[str, frozenset[str]] = {
    "artist": frozenset(("album", "artist", "track")),
    "year": frozenset(("album", "artist", "track")),
    "album": frozenset(("album", "track")),
    "genre": frozenset(("artist", "track")),
    "track": frozenset(("track",)),
    "isrc": frozenset(("track",)),
    "upc": frozenset(("album",)),
    "new": frozenset(("album",)),
    "hipster": frozenset(("album",)),
}
HIPSTER_SHARE = 10  # tag:hipster: the least popular 10 % of albums (docs are numbered by popularity)


@dataclass(frozen=True)
class SearchFilters:
    """Every filter must hold (several of one field too: `artist:a artist:b` wants both). Hashable: it is part
    of the key a query's pages are kept under. `nothing` holds a reason when a filter could not be read
    (a year in fullwidth digits, `isrc:hello`): the kinds it applies to then find nothing rather than everything."""

    tracks: tuple[str, ...] = ()
    artists: tuple[str, ...] = ()
    albums: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    isrcs: tuple[str, ...] = ()
    upcs: tuple[str, ...] = ()
    years: tuple[int, int] | None = None  # first and last year, both kept; first > last finds nothing
    released_since: date | None = None  # tag:new (the face turns "the past two weeks" into a date)
    hipster: bool = False
    nothing: tuple[tuple[str, str], ...] = field(default=())  # (filter, why) of each unreadable one

    def fields(self) -> frozenset[str]:
        """The filters given, by name (the keys of APPLIES)."""
        given = {
            "track": self.tracks,
            "artist": self.artists,
            "album": self.albums,
            "genre": self.genres,
            "isrc": self.isrcs,
            "upc": self.upcs,
            "year": self.years is not None,
            "new": self.released_since is not None,
            "hipster": self.hipster,
        }
        return frozenset({name for name, value in given.items() if value} | {name for name, _ in self.nothing})

    def narrows(self, kind: str) -> bool:
        return any(kind in APPLIES[name] for name in self.fields())

    def finds_nothing(self, kind: str) -> bool:
        return any(kind in APPLIES[name] for name, _ in self.nothing) or (
            self.years is not None and self.years[0] > self.years[1] and kind in APPLIES["year"]
        )


NO_FILTERS = SearchFilters()


def _words(value: str) -> list[str]:
    return [w[:MAX_TERM] for w in dict.fromkeys(search_words(value))][:MAX_WORDS]


def _named(doc: type[SearchDoc], value: str) -> ColumnElement[bool]:
    """Every word of `value` is in the doc's folded name (a value with no word, which the face never sends,
    holds for no doc: a filter never widens a search)."""
    words = _words(value)
    return and_(*(doc.name.contains(w, autoescape=True) for w in words)) if words else false()


def _named_ids(kind: str, value: str) -> Select[int]:
    """The ids of the listed `kind`s (artists, albums) whose name holds every word of `value`: one uncorrelated
    subquery, read once per statement (a correlated EXISTS per track doc read it 400k times, review15)."""
    doc = aliased(SearchDoc)
    return select(doc.entity_id).where(doc.kind == kind, _named(doc, value))


def _year_span(years: tuple[int, int]) -> tuple[date, date]:
    first, last = max(years[0], 1), min(years[1], 9999)  # date's own bounds; a wider ask is every year
    return date(first, 1, 1), date(last, 12, 31)


def _genre_ids(values: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """One condition per genre value, over a `genre_id` column's genre: its key is one the value means."""
    return [Genre.key.in_(genre_keys(v) or ("\x1f",)) for v in values]


def _track_conditions(doc: type[SearchDoc], f: SearchFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_named(doc, v) for v in f.tracks]
    for value in f.artists:
        by_artist = select(TrackArtist.track_id).where(TrackArtist.artist_id.in_(_named_ids("artist", value)))
        where.append(Track.id.in_(by_artist))
    where.extend(Track.album_id.in_(_named_ids("album", value)) for value in f.albums)
    if f.isrcs:
        where.extend(Track.isrc == v for v in f.isrcs)
    if f.years is not None:
        where.append(Album.release_date.between(*_year_span(f.years)))
    for genre in _genre_ids(f.genres):
        by_track = select(TrackGenre.track_id).join(Genre, Genre.id == TrackGenre.genre_id).where(genre)
        by_album = select(AlbumGenre.album_id).join(Genre, Genre.id == AlbumGenre.genre_id).where(genre)
        where.append(or_(Track.id.in_(by_track), Track.album_id.in_(by_album)))
    return where


def _album_conditions(doc: type[SearchDoc], f: SearchFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_named(doc, v) for v in f.albums]
    for value in f.artists:
        by_artist = select(AlbumArtist.album_id).where(AlbumArtist.artist_id.in_(_named_ids("artist", value)))
        where.append(Album.id.in_(by_artist))
    where.extend(or_(*(Album.upc == u for u in upc_spellings(v))) for v in f.upcs)
    if f.years is not None:
        where.append(Album.release_date.between(*_year_span(f.years)))
    if f.released_since is not None:
        where.append(Album.release_date >= f.released_since)
    if f.hipster:
        counted = select(func.count()).where(SearchDoc.kind == "album", SearchDoc.name != "").scalar_subquery()
        where.append((doc.doc + 1) * 100 > counted * (100 - HIPSTER_SHARE))  # the last tenth, rounded up
    return where


def _artist_conditions(doc: type[SearchDoc], f: SearchFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_named(doc, v) for v in f.artists]
    if f.years is not None:
        first, last = _year_span(f.years)
        released = (
            select(AlbumArtist.artist_id)
            .join(Album, Album.id == AlbumArtist.album_id)
            .where(Album.release_date.between(first, last))
        )
        where.append(doc.entity_id.in_(released))
    for genre in _genre_ids(f.genres):
        played = (
            select(TrackArtist.artist_id)
            .join(TrackGenre, TrackGenre.track_id == TrackArtist.track_id)
            .join(Genre, Genre.id == TrackGenre.genre_id)
            .where(genre)
        )
        where.append(doc.entity_id.in_(played))
    return where


def allowed_docs(session: Session, *, kind: str, filters: SearchFilters) -> BitMap:
    """The doc numbers of `kind` that every filter applying to it allows (the caller asks only for a kind the
    filters narrow, and not one they make find nothing)."""
    doc = SearchDoc
    statement = select(doc.doc).where(doc.kind == kind, doc.name != "")
    if kind == "track":
        statement = statement.join(Track, Track.id == doc.entity_id).join(Album, Album.id == Track.album_id)
        where = _track_conditions(doc, filters)
    elif kind == "album":
        statement = statement.join(Album, Album.id == doc.entity_id)
        where = _album_conditions(doc, filters)
    else:
        where = _artist_conditions(doc, filters)
    return BitMap(session.scalars(statement.where(*where)))
