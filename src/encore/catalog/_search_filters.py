"""Field filters on the catalogue search: what `artist:`, `year:`, `isrc:`... mean, per kind of thing found.

The filters are typed (`SearchFilters`; the /v1 face parses Spotify's query syntax into them) and each applies
only to the kinds Spotify names (`APPLIES`): a filter that does not apply to a kind leaves that kind alone.
A kind with filters is narrowed to the docs they allow (`allowed_docs`), and the search ranks within them as it
always does.

Text filters (track, artist, album) hold when every word of the value is in the field, case and accents
folded as the index folds them: read from the search index (catalog._search_text), never by comparing every
doc's name; an artist's or album's filter on tracks and albums maps the artists or albums found to them through
the links. Genre is the stored genre's key (`genre_keys`); ISRC and UPC are exact; a year range takes a release
date within it: these are one statement over `search_docs` (which holds only listed things) joined to the rows,
narrowed to the text filters' docs when those are few. Cost: a filter can allow a large part of the catalogue
(`year:1900-2100`, `track:a`), read as one list of doc numbers, once per filters (then kept for all its pages in
the process cache); a text filter's words are kept per word with the search sets.
"""

from dataclasses import dataclass, field
from datetime import date

from pyroaring import BitMap, FrozenBitMap
from sqlalchemy import ColumnElement, bindparam, func, or_, select
from sqlalchemy.orm import Session

from encore.catalog._cache import CatalogueCache, kept
from encore.catalog._listing import unlisted_album, unlisted_track
from encore.catalog._models import (
    Album,
    AlbumArtist,
    AlbumGenre,
    Genre,
    Track,
    TrackArtist,
    TrackGenre,
)
from encore.catalog._rows import connection_for_reads, rows_in_chunks
from encore.catalog._search_models import SearchDoc
from encore.catalog._search_text import text_docs
from encore.catalog._text import genre_keys, upc_spellings
from encore.catalog._version import changed_here
from encore.db import RawStatement

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
_IDS_AT_ONCE = 2000  # ids in one IN list sent through SQLAlchemy (far below either database's limit)
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
    released_until: date | None = None  # tag:new's other end, today: a release dated ahead is not new yet
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


def _year_span(years: tuple[int, int]) -> tuple[date, date]:
    # date's own bounds, for both ends: a wider ask is every year, and year:0 the first (probe16: `last` stayed 0
    # and date(0, 12, 31) raised, a 500 that spotipy reported as a rate limit)
    first, last = min(max(years[0], 1), 9999), min(max(years[1], 1), 9999)
    return date(first, 1, 1), date(last, 12, 31)


def _genre_ids(values: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """One condition per genre value, over a `genre_id` column's genre: its key is one the value means."""
    return [Genre.key.in_(genre_keys(v) or ("\x1f",)) for v in values]


def _track_conditions(f: SearchFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
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
    where: list[ColumnElement[bool]] = []
    where.extend(or_(*(Album.upc == u for u in upc_spellings(v))) for v in f.upcs)
    if f.years is not None:
        where.append(Album.release_date.between(*_year_span(f.years)))
    if f.released_since is not None:
        where.append(Album.release_date >= f.released_since)
    if f.released_until is not None:
        where.append(Album.release_date <= f.released_until)
    if f.hipster:
        counted = select(func.count()).where(SearchDoc.kind == "album", SearchDoc.name != "").scalar_subquery()
        where.append((doc.doc + 1) * 100 > counted * (100 - HIPSTER_SHARE))  # the last tenth, rounded up
    return where


def _artist_conditions(doc: type[SearchDoc], f: SearchFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.years is not None:
        first, last = _year_span(f.years)
        released = (  # listed releases only: a label's draft must not show its artist's next year (probe16)
            select(AlbumArtist.artist_id)
            .join(Album, Album.id == AlbumArtist.album_id)
            .where(Album.release_date.between(first, last), ~unlisted_album())
        )
        where.append(doc.entity_id.in_(released))
    for genre in _genre_ids(f.genres):
        played = (
            select(TrackArtist.artist_id)
            .join(TrackGenre, TrackGenre.track_id == TrackArtist.track_id)
            .join(Track, Track.id == TrackArtist.track_id)
            .join(Genre, Genre.id == TrackGenre.genre_id)
            .where(genre, ~unlisted_track())
        )
        where.append(doc.entity_id.in_(played))
    return where


# Another kind's docs, by the ids of the things a text filter found (an artist's tracks, an album's tracks):
# through the link's index and search_docs' (kind, entity_id), so the cost follows what is found.
_BY_ENTITY = RawStatement(
    select(SearchDoc.entity_id).where(
        SearchDoc.kind == bindparam("kind"), SearchDoc.doc.in_(bindparam("ids", expanding=True))
    ),
    expanding="ids",
)
_LINKED = {
    ("track", "artist"): (TrackArtist.track_id, TrackArtist.artist_id),
    ("album", "artist"): (AlbumArtist.album_id, AlbumArtist.artist_id),
    ("track", "album"): (Track.id, Track.album_id),
}


def _linked_docs(session: Session, kind: str, by: str, docs: BitMap) -> BitMap:
    """The listed docs of `kind` linked to the `by` docs (tracks of artists, albums of artists, tracks of albums)."""
    db = connection_for_reads(session)
    ids = [entity_id for (entity_id,) in rows_in_chunks(_BY_ENTITY, db, list(docs), {"kind": by})]
    owner, link = _LINKED[kind, by]
    out = BitMap()
    for start in range(0, len(ids), _IDS_AT_ONCE):
        linked = select(owner).where(link.in_(ids[start : start + _IDS_AT_ONCE]))
        listed = (SearchDoc.kind == kind, SearchDoc.name != "", SearchDoc.entity_id.in_(linked))
        out |= BitMap(session.scalars(select(SearchDoc.doc).where(*listed)))
    return out


def _by_other(session: Session, kind: str, by: str, values: tuple[str, ...], cache: CatalogueCache | None) -> BitMap:
    """The docs of `kind` linked to the `by` things the values find, kept with the allowed docs (until the catalogue
    or the sets move): mapping an artist's tracks costs what it finds, and `artist:x` comes with many other filters."""
    memo = cache if cache is not None and not changed_here(session) else None

    def read() -> FrozenBitMap:
        found = text_docs(session, kind=by, values=values, cache=cache)
        return FrozenBitMap(_linked_docs(session, kind, by, found) if found else ())

    return BitMap(kept(memo.allowed if memo else None, (kind, f"{by}:{values!r}"), FrozenBitMap, read))


def _text_allowed(session: Session, kind: str, f: SearchFilters, cache: CatalogueCache | None) -> BitMap | None:
    """What the text filters that apply to `kind` allow (None: no text filter applies to it)."""
    own = {"track": f.tracks, "album": f.albums, "artist": f.artists}[kind]
    others = [(by, values) for by, values in (("artist", f.artists), ("album", f.albums)) if (kind, by) in _LINKED]
    parts: list[tuple[str, tuple[str, ...]]] = [(kind, own)] if own else []
    parts += [(by, values) for by, values in others if values]
    allowed: BitMap | None = None
    for by, values in parts:
        docs = (
            text_docs(session, kind=by, values=values, cache=cache)
            if by == kind
            else _by_other(session, kind, by, values, cache)
        )
        allowed = docs if allowed is None else allowed & docs
        if not allowed:
            break  # nothing left to narrow: the other filters are not read
    return allowed


def allowed_docs(session: Session, *, kind: str, filters: SearchFilters, cache: CatalogueCache | None = None) -> BitMap:
    """The doc numbers of `kind` that every filter applying to it allows (the caller asks only for a kind the
    filters narrow, and not one they make find nothing). Text filters come from the index (catalog._search_text,
    with `cache`'s sets); the others are one statement over the kind's rows, narrowed to the text filters' docs
    when those are few."""
    allowed = _text_allowed(session, kind, filters, cache)
    doc = SearchDoc
    statement = select(doc.doc).where(doc.kind == kind, doc.name != "")
    if kind == "track":
        statement = statement.join(Track, Track.id == doc.entity_id).join(Album, Album.id == Track.album_id)
        where = _track_conditions(filters)
    elif kind == "album":
        statement = statement.join(Album, Album.id == doc.entity_id)
        where = _album_conditions(doc, filters)
    else:
        where = _artist_conditions(doc, filters)
    if allowed is not None and (not where or not allowed):
        return allowed
    if allowed is not None and len(allowed) <= _IDS_AT_ONCE:
        where.append(doc.doc.in_(list(allowed)))
    found = BitMap(session.scalars(statement.where(*where)))
    return found if allowed is None else found & allowed
