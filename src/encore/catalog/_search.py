"""As-you-type search: every query word is a prefix, case- and accent-insensitive, ranked.

SQLite answers from FTS5 (bm25, name weighted over context); PostgreSQL from a weighted tsvector
(ts_rank). Exact and leading-name matches rank first on both, so "Aurora" finds the artist Aurora
before a track that merely mentions her.
"""

from typing import TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from encore.catalog._models import Album, Artist, Track
from encore.catalog._read import _artist_artwork, album_summaries, track_views
from encore.catalog._text import fold, search_words
from encore.catalog._views import AlbumSummary, ArtistSummary, Page, SearchResults, TrackView

_R = TypeVar("_R", Artist, Album, Track)

MAX_WORDS = 8
COUNT_CAP = 1000  # totals beyond this are reported as the cap; counting a million matches costs too much

_SQLITE = text(
    "SELECT d.entity_id FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid "
    "WHERE search_fts MATCH :match AND d.kind = :kind "
    "ORDER BY (d.name = :full) DESC, (substr(d.name, 1, length(:full)) = :full) DESC, "
    "bm25(search_fts, 10.0, 1.0), d.entity_id LIMIT :limit OFFSET :offset"
)
_SQLITE_COUNT = text(
    "SELECT count(*) FROM (SELECT 1 FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid "
    "WHERE search_fts MATCH :match AND d.kind = :kind LIMIT :cap)"
)
_PG = text(
    "SELECT d.entity_id FROM search_docs d, to_tsquery('simple', :match) q "
    "WHERE d.kind = :kind AND d.tsv @@ q "
    "ORDER BY (d.name = :full) DESC, (left(d.name, length(:full)) = :full) DESC, "
    "ts_rank(d.tsv, q) DESC, d.entity_id LIMIT :limit OFFSET :offset"
)
_PG_COUNT = text(
    "SELECT count(*) FROM (SELECT 1 FROM search_docs d WHERE d.kind = :kind "
    "AND d.tsv @@ to_tsquery('simple', :match) LIMIT :cap) s"
)


def _match_expression(words: list[str], dialect: str) -> str:
    if dialect == "sqlite":
        return " ".join(f'"{w}"*' for w in words)
    return " & ".join(f"'{w}':*" for w in words)


def _ranked_ids(session: Session, *, kind: str, words: list[str], full: str, limit: int, offset: int) -> tuple[list[int], int]:
    dialect = session.get_bind().dialect.name
    match = _match_expression(words, dialect)
    query, count = (_SQLITE, _SQLITE_COUNT) if dialect == "sqlite" else (_PG, _PG_COUNT)
    params = {"match": match, "kind": kind, "full": full}
    ids = list(session.scalars(query, {**params, "limit": limit, "offset": offset}))
    total = session.scalar(count, {"match": match, "kind": kind, "cap": COUNT_CAP}) or 0
    return ids, total


def _in_order(rows: list[_R], ids: list[int]) -> list[_R]:
    position = {entity_id: i for i, entity_id in enumerate(ids)}
    return sorted(rows, key=lambda r: position[r.id])  # type: ignore[attr-defined]


def search_catalogue(
    session: Session, *, query: str, kinds: frozenset[str], limit: int, offset: int
) -> SearchResults:
    words = search_words(query)[:MAX_WORDS]
    full = fold(query)
    empty: tuple[list[int], int] = ([], 0)
    found = {
        kind: (_ranked_ids(session, kind=kind, words=words, full=full, limit=limit, offset=offset) if words and kind in kinds else empty)
        for kind in ("artist", "album", "track")
    }
    artist_ids, artist_total = found["artist"]
    album_ids, album_total = found["album"]
    track_ids, track_total = found["track"]
    artists = _in_order(list(session.scalars(select(Artist).where(Artist.id.in_(artist_ids)))), artist_ids)
    albums = _in_order(list(session.scalars(select(Album).where(Album.id.in_(album_ids))).unique()), album_ids)
    tracks = _in_order(list(session.scalars(select(Track).where(Track.id.in_(track_ids))).unique()), track_ids)
    return SearchResults(
        query=query,
        artists=Page[ArtistSummary](
            [ArtistSummary(a.public_id, a.name, _artist_artwork(session, a.id)) for a in artists], artist_total, limit, offset
        ),
        albums=Page[AlbumSummary](album_summaries(session, albums), album_total, limit, offset),
        tracks=Page[TrackView](track_views(session, tracks), track_total, limit, offset),
    )

