"""The catalogue's one search: the player (`/api/search`), `/v1/search` and Subsonic `search2`/`search3`.

As you type, every word is a prefix (`gol ci`), case and accents fold (`emilie` finds "Émilie Ångström"),
and words of 4+ letters forgive a typo (8+: two). Words must all match, across a thing's name and its
context (a track's artists and album); "and" beside other words need not, as "&" is no word. Ranking:
exact name, then all words in the name, then across name and context, then with typos; within each, by
popularity (catalog._search_build). Pages are stable and totals exact (catalog._search_engine). Ads never
enter the index (`mark_as_ad` takes them out).
"""

from dataclasses import dataclass

from pyroaring import FrozenBitMap
from sqlalchemy.orm import Session

from encore.catalog._cache import CatalogueCache, kept, views_by_ids
from encore.catalog._search_engine import Hits, find
from encore.catalog._search_filters import NO_FILTERS, SearchFilters, allowed_docs
from encore.catalog._search_terms import MAX_TERM, MAX_WORDS
from encore.catalog._text import fold, search_words
from encore.catalog._version import changed_here
from encore.catalog._views import AlbumSummary, ArtistSummary, Page, SearchResults, TrackView

KINDS = ("artist", "album", "track")
MAX_QUERY = 200  # characters of the query that count; the rest is ignored


AND = "and"  # "kofi and the tides" finds "Kofi & The Tides": "&" is no word, so "and" need not be one either


def _words(query: str) -> tuple[list[str], str]:
    # NUL and lone surrogates cannot reach the database (PostgreSQL refuses NUL in text; neither is UTF-8).
    clipped = query[:MAX_QUERY].replace("\x00", " ").encode("utf-8", "ignore").decode("utf-8")
    words = list(dict.fromkeys(w[:MAX_TERM] for w in search_words(clipped)))
    if AND in words and len(words) > 1:  # a name with "and" still holds every other word (probe20 N3)
        words.remove(AND)
    return words[:MAX_WORDS], fold(clipped)


@dataclass(frozen=True)
class _Found:
    """A query's pages of views and totals: the same for every caller (ads never enter the index; what is
    the caller's own, such as `is_playable` or Subsonic's stars, is laid over by the face per request)."""

    artists: Page[ArtistSummary]
    albums: Page[AlbumSummary]
    tracks: Page[TrackView]


def search_catalogue(
    session: Session,
    *,
    query: str,
    kinds: frozenset[str],
    limit: int,
    offset: int,
    cache: CatalogueCache | None = None,
    filters: SearchFilters = NO_FILTERS,
) -> SearchResults:
    """Every face's search. With the process cache, a query's pages are kept beside the catalogue's views, in
    their own bounded part (keyed by its folded words, filters, kinds and page), so they go when the catalogue's
    version moves, as the views do; never inside a transaction that changed the catalogue (it must see its own
    writes). `filters` narrow the kinds they apply to (catalog._search_filters); words may then be none."""
    words, full = _words(query)
    wanted = tuple(k for k in KINDS if k in kinds and not filters.finds_nothing(k) and (words or filters.narrows(k)))
    limit, offset = max(limit, 0), max(offset, 0)
    memo = cache if cache is not None and not changed_here(session) else None
    if cache:
        cache.fresh(session)

    def found() -> _Found:
        allowed = {k: _allowed(session, k, filters, memo=memo, cache=cache) for k in wanted if filters.narrows(k)}
        return _found(
            session, words=words, full=full, kinds=wanted, limit=limit, offset=offset, cache=cache, allowed=allowed
        )

    key: tuple[str | int, ...] = ("search", full, *words, "|", *wanted, limit, offset, repr(filters))
    page = kept(memo.pages if memo else None, key, _Found, found)
    return SearchResults(query=query, artists=page.artists, albums=page.albums, tracks=page.tracks)


def _allowed(
    session: Session, kind: str, filters: SearchFilters, *, memo: CatalogueCache | None, cache: CatalogueCache | None
) -> FrozenBitMap:
    """The docs of `kind` the filters allow, kept for every page and words of queries with the same filters."""

    def read() -> FrozenBitMap:
        return FrozenBitMap(allowed_docs(session, kind=kind, filters=filters, cache=cache))

    return kept(memo.allowed if memo else None, (kind, repr(filters)), FrozenBitMap, read)


def _found(
    session: Session,
    *,
    words: list[str],
    full: str,
    kinds: tuple[str, ...],
    limit: int,
    offset: int,
    cache: CatalogueCache | None,
    allowed: dict[str, FrozenBitMap],
) -> _Found:
    hits = (
        find(
            session, words=words, full=full, kinds=list(kinds), limit=limit, offset=offset, cache=cache, allowed=allowed
        )
        if kinds  # no kind asked (or none known, or none with words or filters): no statement to send
        else {}
    )
    none = Hits([], 0)
    artist_hits, album_hits, track_hits = (hits.get(k, none) for k in KINDS)
    artists = views_by_ids(session, "artist", artist_hits.entity_ids, cache)
    albums = views_by_ids(session, "album", album_hits.entity_ids, cache)
    tracks = views_by_ids(session, "track", track_hits.entity_ids, cache)
    return _Found(
        artists=Page[ArtistSummary](
            [artists[i] for i in artist_hits.entity_ids if i in artists], artist_hits.total, limit, offset
        ),
        albums=Page[AlbumSummary](
            [albums[i] for i in album_hits.entity_ids if i in albums], album_hits.total, limit, offset
        ),
        tracks=Page[TrackView](
            [tracks[i] for i in track_hits.entity_ids if i in tracks], track_hits.total, limit, offset
        ),
    )
