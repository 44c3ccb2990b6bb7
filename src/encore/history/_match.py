"""Match listens kept by text to catalogue tracks: ISRC first, then folded artist and title."""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Row, and_, select, update
from sqlalchemy.orm import Session, sessionmaker

from encore.catalog import (
    Artist,
    CatalogueCache,
    Track,
    TrackArtist,
    cache_for,
    identity_key,
    music_track,
    stored_version,
)
from encore.db import transaction
from encore.history._imports import lock_listen_counters
from encore.history._models import Play
from encore.history._rollups import mark_plays
from encore.history._search_text import folded as _folded

CHUNK = 500


@lru_cache(maxsize=1 << 16)  # folding is the hot spot of a big import; histories repeat their titles a lot
def text_key(artist_name: str, track_name: str) -> str:
    """'The  Beatles', 'HEY JUDE' and 'the beatles', 'Hey Jude' share one key (sha1 of the identity key).

    The same text as `catalog.identity_key(artist_name, track_name)` (a test holds them equal), with each
    part folded once per distinct artist or title: a history of 100,000 (artist, title) pairs has a few
    hundred artists and a few thousand titles, so the pair cache alone missed on every row."""
    key = f"{_folded(artist_name)}\x1f{_folded(track_name)}"[:800]
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()


# plays.match_key holds a text key's first 16 hex digits (64 bits), not all 40 (migration import8_1): on
# SQLite a new unmatched listen lands on a random leaf of that index, and the shorter key cut an import's
# insert and commit by ~3 us a listen (issue #17). A collision would only link two different texts' listens
# when one of them is matched: about 1 in 10^8 for a service with 10^6 distinct unmatched texts.
MATCH_KEY_HEX = 16


def match_key(key: str) -> str:
    """What plays.match_key stores for a listen of text key `key` (`text_key`)."""
    return key[:MATCH_KEY_HEX]


@lru_cache(maxsize=1 << 14)
def _artist_key(name: str) -> str:
    return identity_key(name)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def resolve_tracks(session: Session, items: Sequence[tuple[str, str, str | None]]) -> dict[str, int]:
    """For (artist, title, isrc) triples: {"isrc:<ISRC>": track id} and {text_key: track id} where found."""
    found = _by_isrc(session, sorted({i.upper() for _, _, i in items if i}))
    wanted = {text_key(a, t) for a, t, _ in items}
    for tracks in _by_artist(session, sorted({_artist_key(a) for a, _, _ in items})).values():
        found.update((key, track_id) for key, track_id in tracks.items() if key in wanted)
    return found


def _by_isrc(session: Session, isrcs: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(isrcs):
        for track_id, isrc in session.execute(
            select(Track.id, Track.isrc).where(Track.isrc.in_(chunk), music_track()).order_by(Track.id.desc())
        ):
            found["isrc:" + str(isrc).upper()] = track_id  # lowest id wins: rows come highest first
    return found


def _by_artist(session: Session, artist_keys: Sequence[str]) -> dict[str, dict[str, int]]:
    """Every catalogue track of each artist, by the text key a listen of it would have."""
    found: dict[str, dict[str, int]] = {key: {} for key in artist_keys}
    for chunk in _chunks(artist_keys):
        rows = session.execute(
            select(Track.id, Track.title, Artist.name, Artist.name_key)
            .join(TrackArtist, TrackArtist.track_id == Track.id)
            .join(Artist, Artist.id == TrackArtist.artist_id)
            .where(Artist.name_key.in_(chunk), music_track())  # a listen never matches ad audio
            .order_by(Track.id.desc())
        )
        for track_id, title, artist, name_key in rows:
            found.setdefault(name_key, {})[text_key(artist, title)] = track_id
    return found


def match_keys(artist_name: str, track_name: str, isrc: str | None) -> tuple[str | None, str]:
    """The keys `resolve_tracks` answers for one listen: its ISRC's (if any), then its text's."""
    return ("isrc:" + isrc.upper() if isrc else None), text_key(artist_name, track_name)


def resolve_cached(session: Session, items: Sequence[tuple[str, str, str | None]]) -> dict[str, int]:
    """`resolve_tracks`, answered from the process's catalogue cache: ISRCs one by one, text by the
    artist's whole set of tracks (so a listen of an artist the catalogue lacks, the common case for a
    scrobbler, costs no query after the first). The cache forgets everything when the catalogue's
    version moves, so a track ingested since is found."""
    cache = cache_for(session)
    if cache is None:
        return resolve_tracks(session, items)
    isrcs, artists = {i for _, _, i in items if i}, {a for a, _, _ in items}
    known = catalogue_matches(session, artists=artists, isrcs=isrcs, cache=cache)
    texts = {text_key(a, t) for a, t, _ in items}
    wanted = {"isrc:" + i.upper() for i in isrcs}
    return {
        key: track_id for found in known.values() for key, track_id in found.items() if key in texts or key in wanted
    }


def catalogue_matches(
    session: Session, *, artists: Iterable[str], isrcs: Iterable[str], cache: CatalogueCache | None = None
) -> dict[str, dict[str, int]]:
    """What the catalogue answers for these artist names and ISRCs, from the process's catalogue cache:
    {"isrc:<ISRC>": {"isrc:<ISRC>": track id} or {}, "artist:<key>": {text_key: track id, ...}} (each artist's
    whole set of tracks, by the text key a listen of it has). A caller that has its listens' text keys
    looks each up in its artist's set, with no key computed again."""
    cache = cache or cache_for(session)
    wanted = {"isrc:" + i.upper() for i in isrcs} | {"artist:" + _artist_key(a) for a in artists}
    if cache is None:
        return _lookup(session, sorted(wanted))
    known: dict[str, dict[str, int]] = {}
    for key in wanted:
        hit = cache.matches.get(key)
        if hit is not None:
            known[key] = hit
    for key, found in _lookup(session, sorted(wanted - known.keys())).items():
        cache.matches.put(key, found)
        known[key] = found
    return known


def _lookup(session: Session, keys: Sequence[str]) -> dict[str, dict[str, int]]:
    """The catalogue's answer for each "isrc:" and "artist:" key, read from the database."""
    by_isrc = _by_isrc(session, [key.removeprefix("isrc:") for key in keys if key.startswith("isrc:")])
    by_artist = _by_artist(session, [key.removeprefix("artist:") for key in keys if key.startswith("artist:")])
    return {
        key: ({key: by_isrc[key]} if key in by_isrc else {})
        if key.startswith("isrc:")
        else by_artist[key.removeprefix("artist:")]
        for key in keys
    }


@dataclass(frozen=True)
class KnownTrack:
    public_id: str
    title: str
    artist: str
    album: str


def catalogue_text(session: Session, track_ids: set[int]) -> dict[int, KnownTrack]:
    out: dict[int, KnownTrack] = {}
    ids = sorted(track_ids)
    for start in range(0, len(ids), CHUNK):
        for track in session.scalars(select(Track).where(Track.id.in_(ids[start : start + CHUNK]))):
            artists = ", ".join(ta.artist.name for ta in track.artists) or track.album.title
            out[track.id] = KnownTrack(track.public_id, track.title, artists, track.album.title)
    return out


def match_listens(session: Session, *, batch: int = 1000) -> int:
    """Link every unmatched text listen whose track is now in the catalogue, in the caller's transaction.

    Returns the number of plays newly linked. Safe to re-run: matched rows lose their match_key.

    The unmatched rows are walked in time order on `ix_plays_track_started` (their track_id is NULL), a block
    at a time, each block's distinct texts asked of the catalogue once and its matched rows linked by id. No
    index on match_key is needed (migration import13_1 dropped it): every new text listen landed on a random
    leaf of that one, which on a `plays` of millions was half of an import's cost (issue #17); this walk reads
    every unmatched row once, as the walk by match_key did."""
    linked, after = 0, None
    while True:
        step, after = match_block(session, after=after, batch=batch)
        linked += step
        if after is None:
            return linked


def match_listens_in_steps(
    sessions: sessionmaker[Session], *, batch: int = 1000, between: Callable[[int], object] | None = None
) -> int:
    """`match_listens`, one transaction a block: a history of millions of unmatched listens no longer holds
    the write lock (all of SQLite's, the counters' lock on PostgreSQL) from its first block to its last.
    `between(linked so far)` runs after each commit (a job's progress). Rows written behind the walk while it
    runs are left for the next run."""
    linked: int = 0
    after: tuple[datetime, int] | None = None
    while True:
        with transaction(sessions) as session:
            step, after = match_block(session, after=after, batch=batch)
        linked += step
        if after is None:
            return linked
        if between is not None:
            between(linked)


ROUNDS = 5  # walks a run may take when the catalogue keeps changing under it


def match_listens_settled(
    sessions: sessionmaker[Session], *, batch: int = 1000, between: Callable[[int], object] | None = None
) -> int:
    """`match_listens_in_steps` again while the catalogue changed during the walk (at most `ROUNDS` walks): a
    release published while a run is under way would otherwise wait for the next day's run for the rows the walk
    had passed, since asking for a run while one is running returns that run (review16)."""
    linked = 0
    for _round in range(ROUNDS):
        with sessions() as session:
            before = stored_version(session)
        linked += match_listens_in_steps(sessions, batch=batch, between=between)
        with sessions() as session:
            if stored_version(session) == before:
                break
    return linked


def match_block(
    session: Session, *, after: tuple[datetime, int] | None, batch: int
) -> tuple[int, tuple[datetime, int] | None]:
    """Link one block of unmatched rows after `after` (started_at, id); returns how many were linked and
    where the next block starts (None: the walk is over)."""
    lock_listen_counters(session, user_id=None)  # a hidden row linked while its import publishes
    query = select(Play.id, Play.user_id, Play.started_at, Play.match_key, Play.artist_name, Play.track_name,
                   Play.isrc).where(Play.track_id.is_(None), Play.match_key.is_not(None))  # fmt: skip
    if after is not None:  # ">=" bounds the index range; "a OR b" made SQLite walk it from the start each block
        at, last = after
        query = query.where(Play.started_at >= at, ~and_(Play.started_at == at, Play.id <= last))
    rows = session.execute(query.order_by(Play.started_at, Play.id).limit(batch)).all()
    if not rows:
        return 0, None
    return _link_block(session, rows), (rows[-1].started_at, rows[-1].id)


# an unmatched row as match_listens reads it: id, user_id, started_at, match_key, artist_name, track_name, isrc
_Unmatched = Row[int, int, datetime, str | None, str | None, str | None, str | None]


def _link_block(session: Session, rows: Sequence[_Unmatched]) -> int:
    """Link the rows of one block whose ISRC (first) or text the catalogue now has."""
    triples = list({(str(r.artist_name or ""), str(r.track_name or ""), r.isrc) for r in rows})
    found = resolve_tracks(session, triples)
    by_key = {match_key(k): track_id for k, track_id in found.items() if not k.startswith("isrc:")}
    to: dict[int, list[int]] = {}
    touched: set[tuple[int, datetime]] = set()
    for row in rows:
        track_id = (found.get("isrc:" + row.isrc.upper()) if row.isrc else None) or by_key.get(row.match_key)
        if track_id is not None:
            to.setdefault(track_id, []).append(row.id)
            touched.add((row.user_id, row.started_at))
    if not to:
        return 0
    mark_plays(session, touched)  # their listens move from text to the catalogue
    for track_id, ids in to.items():
        session.execute(
            update(Play).where(Play.id.in_(ids)).values(track_id=track_id, match_key=None),
            execution_options={"synchronize_session": False},
        )
    return sum(len(ids) for ids in to.values())
