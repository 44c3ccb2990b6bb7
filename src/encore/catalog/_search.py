"""The catalogue's one search: the player (`/api/search`), `/v1/search` and Subsonic `search2`/`search3`.

As you type, every word is a prefix (`gol ci`), case and accents fold (`emilie` finds "Émilie Ångström"),
and words of 4+ letters forgive a typo (8+: two). Words must all match, across a thing's name and its
context (a track's artists and album). Ranking: exact name, then all words in the name, then across
name and context, then with typos; within each, by popularity (catalog._search_build). Pages are stable
and totals exact (catalog._search_engine). Ads never enter the index (`mark_as_ad` takes them out).
"""

from sqlalchemy.orm import Session

from encore.catalog._cache import CatalogueCache, views_by_ids
from encore.catalog._search_engine import find
from encore.catalog._search_terms import MAX_TERM, MAX_WORDS
from encore.catalog._text import fold, search_words
from encore.catalog._views import AlbumSummary, ArtistSummary, Page, SearchResults, TrackView

KINDS = ("artist", "album", "track")
MAX_QUERY = 200  # characters of the query that count; the rest is ignored


def _words(query: str) -> tuple[list[str], str]:
    # NUL and lone surrogates cannot reach the database (PostgreSQL refuses NUL in text; neither is UTF-8).
    clipped = query[:MAX_QUERY].replace("\x00", " ").encode("utf-8", "ignore").decode("utf-8")
    words = list(dict.fromkeys(w[:MAX_TERM] for w in search_words(clipped)))[:MAX_WORDS]
    return words, fold(clipped)


def search_catalogue(
    session: Session,
    *,
    query: str,
    kinds: frozenset[str],
    limit: int,
    offset: int,
    cache: CatalogueCache | None = None,
) -> SearchResults:
    if cache:
        cache.fresh(session)
    words, full = _words(query)
    wanted = [k for k in KINDS if k in kinds]
    limit, offset = max(limit, 0), max(offset, 0)
    hits = find(session, words=words, full=full, kinds=wanted, limit=limit, offset=offset, cache=cache) if words else {}

    def ids(kind: str) -> list[int]:
        return hits[kind].entity_ids if kind in hits else []

    def total(kind: str) -> int:
        return hits[kind].total if kind in hits else 0

    artists = views_by_ids(session, "artist", ids("artist"), cache)
    albums = views_by_ids(session, "album", ids("album"), cache)
    tracks = views_by_ids(session, "track", ids("track"), cache)
    return SearchResults(
        query=query,
        artists=Page[ArtistSummary](
            [artists[i] for i in ids("artist") if i in artists], total("artist"), limit, offset
        ),
        albums=Page[AlbumSummary]([albums[i] for i in ids("album") if i in albums], total("album"), limit, offset),
        tracks=Page[TrackView]([tracks[i] for i in ids("track") if i in tracks], total("track"), limit, offset),
    )
