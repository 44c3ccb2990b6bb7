"""The apps' answers: /v1/recommendations from 1-5 seeds and an artist's related artists (also Subsonic's).

Everything an answer reads per seed (neighbours, seed tracks, popular tracks, genres) comes from the stored
tables through the serving process's kept copies (`_hot`), and so is each answer, per listener class (`_classes`)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.catalog import AlbumGenre, Genre, Track, TrackGenre, genre_keys, hidden_artists, listed_id
from encore.discovery import _hot
from encore.discovery._answers import (
    ARTIST_SEED_TRACKS,
    POOL,
    artists_tracks,
    genre_tracks,
    popular_in_genres,
)
from encore.discovery._classes import Hears, hears, playable_for
from encore.discovery._mix_shared import _artist_tracks, _by_rank
from encore.discovery._policy import seed_count
from encore.discovery._popular import stored_popularity
from encore.discovery._recommend import blend
from encore.discovery._service import related_artist_ids, track_neighbours
from encore.kernel import NotFound, ValidationFailed


@dataclass(frozen=True)
class Seed:
    kind: str  # track | artist | genre
    id: str
    initial_pool: int
    after_filtering: int


@dataclass(frozen=True)
class Recommendations:
    track_ids: list[int]  # row ids, best first: catalog.track_views_in_order makes them views
    seeds: list[Seed]  # as sent, in the order asked (tracks, artists, genres)
    # names the answer by its seeds' rows (with the catalogue's generation): a face may keep what it makes of it
    # under this key, shared by every spelling of the same seeds (a genre's case and spacing)
    key: str


def recommend(
    session: Session,
    *,
    user_id: int | None,
    tracks: Sequence[str],
    artists: Sequence[str],
    genres: Sequence[str],
    limit: int,
    now: datetime,
) -> Recommendations:
    """Up to `limit` tracks like the 1-5 seeds, none of them a seed, all playable by the listener now.
    Unknown ids, ad audio and unknown genres are refused (ValidationFailed, naming the seed).

    The answer is kept by the seeds' rows, limit and the listener's class (`_classes.hears`), for this catalogue
    generation, exclusives' version and opt-outs' generation: nothing of the listener but their class goes in.
    Each request resolves its seeds (kept lookups: a public id's row, a genre's folded name), so a seed that
    stopped being valid is refused at once, a refusal is never kept, and "Hip Hop", "hip-hop" and "HIP  HOP" are
    one entry, not one per spelling a caller may invent."""
    listener, opt_outs = hears(session, user_id=user_id, now=now), _hot.opt_outs(session)
    decision = seed_count(len(tracks) + len(artists) + len(genres))
    if not decision.allowed:
        raise ValidationFailed(decision.reason, code="bad_seeds")
    track_rows = tuple(_listed(session, "track", t) for t in tracks)
    genre_rows = tuple(_genre(session, g) for g in genres)
    artist_rows = tuple(_listed(session, "artist", a) for a in artists)
    key = (listener.key, opt_outs, track_rows, artist_rows, genre_rows, limit)
    picks, sizes = _hot.one(
        session,
        ("recommend", *key),
        lambda: _ranked(session, listener, tracks=track_rows, artists=artist_rows, genres=genre_rows, limit=limit),
    )
    named = [*(("track", t) for t in tracks), *(("artist", a) for a in artists), *(("genre", g) for g in genres)]
    seeds = [Seed(kind, public, initial, after) for (kind, public), (initial, after) in zip(named, sizes, strict=True)]
    return Recommendations(list(picks), seeds, repr(key))


def _ranked(
    session: Session,
    listener: Hears,
    *,
    tracks: Sequence[int],
    artists: Sequence[int],
    genres: Sequence[int],
    limit: int,
) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """The picks and, per seed (tracks, artists, genres), its pool's size before and after filtering."""
    own = seed_tracks(session, artists)
    weights: dict[int, float] = dict.fromkeys(tracks, 1.0)
    for artist in artists:
        for t in own[artist]:
            weights.setdefault(t, 1.0 / len(own[artist]))
    lists: dict[int, list[tuple[int, float]]] = _hot.many(
        session, "neighbours", list(weights), lambda ids: track_neighbours(session, track_ids=ids), []
    )
    pools = [blend({track: 1.0}, lists, limit=POOL) for track in tracks]
    pools += [blend(dict.fromkeys(own[artist], 1.0), lists, limit=POOL) for artist in artists]
    pools += [popular(session, [genre_id]) for genre_id in genres]
    seeds = frozenset(tracks)
    ranked = blend(weights, lists, limit=POOL, exclude=seeds)
    # Genre seeds and cold starts (seeds nobody has played near): the genres' popular tracks follow. Their
    # playability is read only as far as needed: for the seeds' pools, then if the neighbours gave too few.
    seen = set(ranked) | seeds
    tail = [t for t in popular(session, genres or genres_of(session, list(weights))) if t not in seen]
    pooled = {t for pool in pools for t in pool}
    allowed = playable_for(session, listener, ranked + [t for t in tail if t in pooled])
    if sum(t in allowed for t in ranked) < limit:
        allowed |= playable_for(session, listener, [t for t in tail if t not in pooled])
    picks = tuple(t for t in (*ranked, *tail) if t in allowed)[:limit]
    return picks, tuple((len(pool), sum(t in allowed for t in pool)) for pool in pools)


def related_artists(session: Session, *, artist_id: str, limit: int) -> list[int]:
    """Artists like this one (listening first, then the catalogue), never one with nothing but ads.
    NotFound for an artist the catalogue does not list."""
    row = listed_id(session, "artist", artist_id)

    def build() -> list[int]:
        ranked = related_artist_ids(session, artist_id=row, limit=limit * 2)
        hidden = hidden_artists(session)
        return [a for a in ranked if a not in hidden][:limit]

    return _hot.one(session, ("related", row, limit), build)


def seed_tracks(session: Session, artists: Sequence[int]) -> dict[int, list[int]]:
    """Each artist's ARTIST_SEED_TRACKS music tracks, most listened first, then oldest: by the popularity
    the last training stored (`artists_tracks`' order, counted from the plays before any training)."""

    def load(missing: list[int]) -> dict[int, list[int]]:
        ranks = _ranks(session)
        found = artists_tracks(session, missing) if ranks is None else _by_rank(_artist_tracks(session, missing), ranks)
        return {a: tracks[:ARTIST_SEED_TRACKS] for a, tracks in found.items()}

    return _hot.many(session, f"artist_tracks@{_hot.opt_outs(session)}", list(artists), load, [])


def popular(session: Session, genre_ids: Sequence[int]) -> list[int]:
    """`popular_in_genres(genre_ids, POOL)` by the popularity the last training stored (each genre's list
    kept; several genres' lists merged in the same order), counted from the plays before any training."""
    wanted = sorted(set(genre_ids))
    if not wanted:
        return []
    ranks = _ranks(session)
    if ranks is None:
        generation = _hot.opt_outs(session)
        return _hot.one(
            session, ("popular", generation, *wanted), lambda: popular_in_genres(session, genre_ids=wanted, limit=POOL)
        )
    known = ranks

    def load(missing: list[int]) -> dict[int, list[int]]:
        return {g: _by_rank({0: genre_tracks(session, genre_ids=[g])}, known)[0][:POOL] for g in missing}

    lists: dict[int, list[int]] = _hot.many(session, f"popular@{_hot.opt_outs(session)}", wanted, load, [])
    if len(wanted) == 1:
        return lists[wanted[0]]
    merged = {t for found in lists.values() for t in found}
    return sorted(merged, key=lambda t: (-known.get(t, 0), t))[:POOL]


def genres_of(session: Session, track_ids: Sequence[int]) -> list[int]:
    """The genres of the tracks (their own and their albums'), ascending."""

    def load(missing: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        own = select(TrackGenre.track_id, TrackGenre.genre_id).where(TrackGenre.track_id.in_(missing))
        albums = (
            select(Track.id, AlbumGenre.genre_id)
            .join(AlbumGenre, AlbumGenre.album_id == Track.album_id)
            .where(Track.id.in_(missing))
        )
        for statement in (own, albums):
            for t, g in session.execute(statement):
                out.setdefault(int(t), []).append(int(g))
        return out

    found: dict[int, list[int]] = _hot.many(session, "genres", list(track_ids), load, [])
    return sorted({g for genres in found.values() for g in genres})


def _ranks(session: Session) -> dict[int, int] | None:
    return _hot.one(session, ("ranks", _hot.opt_outs(session)), lambda: stored_popularity(session))


def _listed(session: Session, kind: str, public_id: str) -> int:
    try:
        return listed_id(session, kind, public_id)
    except NotFound:
        raise ValidationFailed(f"invalid {kind} seed: {public_id[:40]}", code="bad_seeds") from None


def _genre(session: Session, name: str) -> int:
    if "\x00" in name:  # PostgreSQL text cannot hold NUL
        raise ValidationFailed("invalid genre seed: it holds a NUL character", code="bad_seeds")

    # kept by the folded keys it is looked up by (at most 100 characters each), never by the raw seed, which a
    # caller can make up to 2,000 characters long and vary at will (misses are kept too, so they stay small)
    keys = genre_keys(name)

    def find() -> int | None:
        return session.scalar(select(Genre.id).where(Genre.key.in_(keys)).order_by(Genre.id).limit(1))

    found = _hot.one(session, ("genre", *keys), find)
    if found is None:
        raise ValidationFailed(f"invalid genre seed: {name[:40]}", code="bad_seeds")
    return found
