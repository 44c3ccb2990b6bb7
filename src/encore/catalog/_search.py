"""As-you-type search: every query word is a prefix, case- and accent-insensitive, ranked.

Ranking, in order: names that begin with the whole query (exact match first, from a B-tree range
scan, so it stays cheap for any catalogue size), then word-prefix matches anywhere in the name or
its context (artists, album), ranked by bm25 on SQLite FTS5 or ts_rank on PostgreSQL. Relevance is
computed over the first CANDIDATES matches only: ranking every match of a two-letter prefix in a
million tracks costs ~0.7 s (measured, docs/benchmarks.md). As in Spotify's Web API, results go
no deeper than offset + limit <= RESULT_CAP.
"""

from typing import TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from encore.catalog._listing import hidden
from encore.catalog._models import Album, Artist, Track
from encore.catalog._read import album_summaries, artist_artworks, track_views
from encore.catalog._text import fold, search_words
from encore.catalog._views import AlbumSummary, ArtistSummary, Page, SearchResults, TrackView

_R = TypeVar("_R", Artist, Album, Track)

KINDS = ("artist", "album", "track")
MAX_WORDS = 8
CANDIDATES = 500
RESULT_CAP = 500

_SQLITE_PREFIX = (
    "SELECT entity_id FROM search_docs WHERE kind = :kind AND name >= :full AND name < :full_hi ORDER BY name LIMIT :n"
)
_SQLITE_WORDS = (
    "SELECT d.entity_id FROM (SELECT rowid AS rid, bm25(search_fts_{kind}, 10.0, 1.0) AS score "
    "FROM search_fts_{kind} WHERE search_fts_{kind} MATCH :match LIMIT :cap) c "
    "JOIN search_docs d ON d.id = c.rid ORDER BY c.score, d.entity_id LIMIT :n"
)
_PG_PREFIX = (
    "SELECT entity_id FROM search_docs WHERE kind = :kind AND name LIKE :like ESCAPE '\\' ORDER BY name LIMIT :n"
)
_PG_WORDS = (
    "SELECT c.entity_id FROM (SELECT entity_id, ts_rank(tsv, q) AS score FROM search_docs, "
    "to_tsquery('simple', :match) q WHERE kind = :kind AND tsv @@ q LIMIT :cap) c "
    "ORDER BY c.score DESC, c.entity_id LIMIT :n"
)


def _statements(dialect: str, kind: str) -> tuple[str, str]:
    if dialect == "sqlite":
        return _SQLITE_PREFIX, _SQLITE_WORDS.format(kind=kind)
    return _PG_PREFIX, _PG_WORDS


def _params(dialect: str, words: list[str], full: str) -> dict[str, str]:
    if dialect == "sqlite":
        return {"match": " ".join(f'"{w}"*' for w in words), "full": full, "full_hi": full + chr(0x10FFFF)}
    escaped = full.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {"match": " & ".join(f"'{w}':*" for w in words), "like": escaped + "%"}


def _ranked_ids(
    session: Session, *, kind: str, words: list[str], full: str, limit: int, offset: int, skip: frozenset[int]
) -> tuple[list[int], int]:
    dialect = session.get_bind().dialect.name
    prefix_sql, words_sql = _statements(dialect, kind)
    params = _params(dialect, words, full)
    need = min(offset + limit, RESULT_CAP)
    # Ads stay in the index (ingest keeps it in step) and are dropped here; ask for as many more as might go.
    extra = len(skip)
    leading = list(session.scalars(text(prefix_sql), {**params, "kind": kind, "n": need + extra}))
    anywhere = list(
        session.scalars(text(words_sql), {**params, "kind": kind, "n": CANDIDATES + extra, "cap": CANDIDATES + extra})
    )
    merged = [i for i in dict.fromkeys(leading + anywhere) if i not in skip]
    # The total is exact up to CANDIDATES and reported as CANDIDATES beyond (counting costs too much).
    return merged[offset:need], min(len(merged), RESULT_CAP)


def _in_order(rows: list[_R], ids: list[int]) -> list[_R]:
    position = {entity_id: i for i, entity_id in enumerate(ids)}
    return sorted(rows, key=lambda r: position[r.id])


def search_catalogue(session: Session, *, query: str, kinds: frozenset[str], limit: int, offset: int) -> SearchResults:
    words = search_words(query)[:MAX_WORDS]
    full = fold(query)[:200]
    ads = hidden(session) if words else None
    skip = {"artist": ads.artists, "album": ads.albums, "track": ads.tracks} if ads else {}
    found = {
        kind: _ranked_ids(session, kind=kind, words=words, full=full, limit=limit, offset=offset, skip=skip[kind])
        if words and kind in kinds
        else ([], 0)
        for kind in KINDS
    }
    (artist_ids, artist_total), (album_ids, album_total), (track_ids, track_total) = (found[k] for k in KINDS)
    artists = _in_order(list(session.scalars(select(Artist).where(Artist.id.in_(artist_ids)))), artist_ids)
    albums = _in_order(list(session.scalars(select(Album).where(Album.id.in_(album_ids))).unique()), album_ids)
    tracks = _in_order(list(session.scalars(select(Track).where(Track.id.in_(track_ids))).unique()), track_ids)
    art = artist_artworks(session, [a.id for a in artists])
    return SearchResults(
        query=query,
        artists=Page[ArtistSummary](
            [ArtistSummary(a.public_id, a.name, art.get(a.id)) for a in artists],
            artist_total,
            limit,
            offset,
        ),
        albums=Page[AlbumSummary](album_summaries(session, albums), album_total, limit, offset),
        tracks=Page[TrackView](track_views(session, tracks), track_total, limit, offset),
    )
