"""Building one listener's mixes: Daily Mixes from clusters of their artists, Discover Weekly from the
recommender, Release Radar from their artists' new releases. Everything derived from other listeners comes
from the neighbour tables and `popular_in_genres`, which keep the 5-listener floor and leave opt-outs out;
the listener's own plays pick the familiar tracks (for them alone). Only tracks they may play now are kept."""

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from encore.billing import Content
from encore.catalog import Album, AlbumGenre, Artist, Genre, Track, TrackArtist, TrackGenre, music_track
from encore.discovery._answers import (
    ARTIST_SEED_TRACKS,
    POOL,
    allowed,
    artists_tracks,
    genre_tracks,
    listed_contents,
    popular_in_genres,
)
from encore.discovery._mix_models import Mix
from encore.discovery._mix_policy import (
    DAILY,
    DISCOVER,
    KINDS,
    MIX_LENGTH,
    RADAR,
    RADAR_DAYS,
    WEEKLY_LENGTH,
    cluster_artists,
    daily_description,
    interleave,
    round_robin,
)
from encore.discovery._models import ArtistNeighbour
from encore.discovery._popular import stored_popularity
from encore.discovery._recommend import blend
from encore.discovery._service import track_neighbours
from encore.history import Play, visible
from encore.kernel import new_public_id

TOP_ARTISTS = 30
SEED_TRACKS = 50
HEARD_LISTENS = 5_000  # the most recent listens a listener's mixes are made from (`_heard`)


@dataclass
class Shared:
    """What every listener of one run reads alike, read once per run: popular tracks per genre (None: the
    whole catalogue) and per artist, each track's stored neighbours, and what each track asks of a listener
    (its availability; None: not listed music). A run takes minutes, so a label's change during it reaches
    the next run; the faces check availability again when they read a mix (`_mix_reads`)."""

    lists: dict[int | None, list[int]] = field(default_factory=dict)
    by_artist: dict[int, list[int]] = field(default_factory=dict)
    neighbour_lists: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    content: dict[int, Content | None] = field(default_factory=dict)
    popularity: dict[int, int] | None = None  # derivable listens per track (`stored_popularity`)
    popularity_read: bool = False

    def neighbours(self, session: Session, tracks: Iterable[int]) -> dict[int, list[tuple[int, float]]]:
        wanted = list(tracks)
        missing = [t for t in wanted if t not in self.neighbour_lists]
        if missing:
            found = track_neighbours(session, track_ids=missing)
            for t in missing:
                self.neighbour_lists[t] = found.get(t, [])
        return {t: self.neighbour_lists[t] for t in wanted}

    def contents(self, session: Session, tracks: Iterable[int]) -> dict[int, Content | None]:
        wanted = list(tracks)
        missing = [t for t in wanted if t not in self.content]
        if missing:
            found = listed_contents(session, track_ids=missing)
            for t in missing:
                self.content[t] = found.get(t)
        return {t: self.content[t] for t in wanted}

    def ranks(self, session: Session) -> dict[int, int] | None:
        """The popularity the last training stored, read once per run (None before any training: count plays).
        Ranking by it gives what `popular_in_genres` and `artists_tracks` give, without counting the plays of
        a genre or an artist again in every part of every run (minutes at 50M plays)."""
        if not self.popularity_read:
            self.popularity, self.popularity_read = stored_popularity(session), True
        return self.popularity

    def artists(self, session: Session, artists: Sequence[int]) -> dict[int, list[int]]:
        missing = [a for a in artists if a not in self.by_artist]
        if missing:
            ranks = self.ranks(session)
            found = (
                artists_tracks(session, missing) if ranks is None else _by_rank(_artist_tracks(session, missing), ranks)
            )
            for a in missing:
                self.by_artist[a] = found.get(a, [])[:ARTIST_SEED_TRACKS]
        return {a: self.by_artist[a] for a in artists}

    def get(self, session: Session, genre: int | None) -> list[int]:
        if genre not in self.lists:
            genres, ranks = None if genre is None else [genre], self.ranks(session)
            if ranks is None:
                self.lists[genre] = popular_in_genres(session, genre_ids=genres, limit=POOL)
            else:
                self.lists[genre] = _by_rank({0: genre_tracks(session, genre_ids=genres)}, ranks)[0][:POOL]
        return self.lists[genre]


def _by_rank(lists: dict[int, list[int]], ranks: dict[int, int]) -> dict[int, list[int]]:
    """Each list most listened first, then by id (the order the SQL of `popular_in_genres` gives)."""
    return {k: sorted(ids, key=lambda t: (-ranks.get(t, 0), t)) for k, ids in lists.items()}


def _artist_tracks(session: Session, artists: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    rows = session.execute(
        select(TrackArtist.artist_id, Track.id)
        .join(TrackArtist, TrackArtist.track_id == Track.id)
        .where(TrackArtist.artist_id.in_(_ids("artists", artists)), music_track())
    )
    for artist, track in rows:
        out.setdefault(int(artist), []).append(int(track))
    return out


@dataclass(frozen=True)
class Built:
    kind: str
    slot: int
    title: str
    description: str
    track_ids: list[int]


def build_mixes(
    session: Session, *, user_id: int, now: datetime, kinds: Sequence[str] = KINDS, shared: Shared | None = None
) -> list[Built]:
    """Rebuild and store the listener's mixes of `kinds`; returns what was built."""
    shared = shared or Shared()
    heard = _heard(session, user_id)
    played = _played(session, user_id, heard)
    ranked: list[Built] = []
    if DAILY in kinds:
        ranked += _daily(session, heard=heard, played=played, shared=shared)
    if DISCOVER in kinds:
        ranked.append(_discover(session, heard=heard, played=played, shared=shared))
    if RADAR in kinds:
        ranked.append(_radar(session, heard=heard, now=now))
    # One availability decision for every candidate of every mix (the same `billing.decide` as a stream).
    candidates = shared.contents(session, sorted({t for b in ranked for t in b.track_ids}))
    may = allowed(session, user_id=user_id, contents=candidates, now=now)
    built = [_trim(b, may) for b in ranked]
    dailies = [b for b in built if b.kind == DAILY and b.track_ids]  # a cluster with nothing playable: no mix
    built = [Built(DAILY, i, f"Daily Mix {i}", b.description, b.track_ids) for i, b in enumerate(dailies, start=1)] + [
        b for b in built if b.kind != DAILY
    ]
    _store(session, user_id=user_id, kinds=kinds, built=built, now=now)
    return built


def _heard(session: Session, user_id: int) -> dict[int, int]:
    """The listener's own listens per music track, of their HEARD_LISTENS most recent music listens (their
    own data: it picks what is familiar to them). The cap keeps any one listener's share of the run bounded:
    a decade imported is read as its latest listens, not as hundreds of thousands of rows."""
    recent = (
        select(Play.track_id)
        .join(Track, Track.id == Play.track_id)
        .where(Play.user_id == user_id, Play.is_listen.is_(True), music_track(), visible())
        .order_by(Play.started_at.desc(), Play.id.desc())
        .limit(HEARD_LISTENS)
        .subquery()
    )
    rows = session.execute(select(recent.c.track_id, func.count()).group_by(recent.c.track_id))
    return {int(t): int(n) for t, n in rows if t is not None}


def _played(session: Session, user_id: int, heard: dict[int, int]) -> frozenset[int]:
    """Every music track the listener ever played: what "never played" and "new to you" leave out. `heard` is
    all of it unless their listens reached the cap; then the whole history is asked (distinct ids only)."""
    if sum(heard.values()) < HEARD_LISTENS:
        return frozenset(heard)
    rows = session.execute(
        select(Play.track_id)
        .where(Play.user_id == user_id, Play.is_listen.is_(True), Play.track_id.is_not(None))
        .distinct()
    )
    return frozenset(int(t) for (t,) in rows if t is not None) | frozenset(heard)


def _ids(name: str, ids: Iterable[int]) -> BindParameter[list[int]]:
    """A list of ids as one expanding parameter: SQLAlchemy does not coerce each id (a listener's plays
    may name thousands of tracks, and this job reads them for every listener)."""
    return bindparam(name, list(ids), expanding=True)


def _trim(b: Built, allowed: set[int]) -> Built:
    length = MIX_LENGTH if b.kind == DAILY else WEEKLY_LENGTH
    return Built(b.kind, b.slot, b.title, b.description, [t for t in b.track_ids if t in allowed][:length])


def _daily(session: Session, *, heard: dict[int, int], played: frozenset[int], shared: Shared) -> list[Built]:
    if not heard:
        return []  # cold start: nothing of theirs to be familiar with
    by_artist: Counter[int] = Counter()
    tracks_of: dict[int, list[int]] = defaultdict(list)
    for track, artist in session.execute(
        select(TrackArtist.track_id, TrackArtist.artist_id).where(TrackArtist.track_id.in_(_ids("heard", heard)))
    ):
        by_artist[artist] += heard[track]
        tracks_of[artist].append(track)
    top = by_artist.most_common(TOP_ARTISTS)
    artists = [a for a, _ in top]
    genre_of = _main_genres(session, artists, heard)
    # Only an artist with no genre is placed by its neighbours: read theirs alone.
    neighbours = _artist_neighbours(session, [a for a in artists if genre_of[a] is None])
    clusters = cluster_artists(top, genre_of=genre_of, neighbours=neighbours)
    names = dict(session.execute(select(Artist.id, Artist.name).where(Artist.id.in_(artists))).all())
    genre_names = _genre_names(session, [c.genre for c in clusters if c.genre is not None])
    owns = [sorted({t for a in c.artists for t in tracks_of[a]}, key=lambda t: (-heard[t], t)) for c in clusters]
    lists = shared.neighbours(session, {t: None for own in owns for t in own[:SEED_TRACKS]})  # one read
    theirs = shared.artists(session, [a for c in clusters for a in c.artists[:5]])  # one read
    out = []
    for slot, (cluster, own) in enumerate(zip(clusters, owns, strict=True), start=1):
        seeds = {t: float(heard[t]) for t in own[:SEED_TRACKS]}
        fresh = blend(seeds, lists, exclude=played, limit=POOL)
        fresh += [t for a in cluster.artists[:5] for t in theirs[a] if t not in played]
        fresh += [t for t in shared.get(session, cluster.genre) if t not in played]
        ranked = interleave(own, list(dict.fromkeys(fresh)), length=MIX_LENGTH * 2)
        desc = daily_description([names[a] for a in cluster.artists], genre_names.get(cluster.genre or 0))
        out.append(Built(DAILY, slot, f"Daily Mix {slot}", desc, ranked))
    return out


def _main_genres(session: Session, artists: list[int], heard: dict[int, int]) -> dict[int, int | None]:
    """Each artist's genre: the one most of the listener's plays of its tracks carry (track's own or album's)."""
    per_track: dict[int, set[int]] = defaultdict(set)
    played = list(heard)
    for t, g in session.execute(
        select(TrackGenre.track_id, TrackGenre.genre_id).where(TrackGenre.track_id.in_(_ids("played", played)))
    ):
        per_track[t].add(g)
    for t, g in session.execute(
        select(Track.id, AlbumGenre.genre_id)
        .join(AlbumGenre, AlbumGenre.album_id == Track.album_id)
        .where(Track.id.in_(_ids("played", played)))
    ):
        per_track[t].add(g)
    weight: dict[int, Counter[int]] = defaultdict(Counter)
    for t, a in session.execute(
        select(TrackArtist.track_id, TrackArtist.artist_id).where(
            TrackArtist.artist_id.in_(_ids("artists", artists)), TrackArtist.track_id.in_(_ids("played", played))
        )
    ):
        for g in sorted(per_track[t]):
            weight[a][g] += heard[t]
    return {a: (weight[a].most_common(1)[0][0] if weight[a] else None) for a in artists}


def _artist_neighbours(session: Session, artists: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(ArtistNeighbour.artist_id, ArtistNeighbour.neighbour_id)
        .where(ArtistNeighbour.artist_id.in_(artists))
        .order_by(ArtistNeighbour.artist_id, ArtistNeighbour.score.desc())
    )
    for a, n in rows:
        out[a].append(n)
    return out


def _genre_names(session: Session, genres: list[int]) -> dict[int, str]:
    return dict(session.execute(select(Genre.id, Genre.name).where(Genre.id.in_(genres))).all())


def _discover(session: Session, *, heard: dict[int, int], played: frozenset[int], shared: Shared) -> Built:
    """30 tracks never played: like their most played, then popular in their genres; with no history, the
    most listened tracks of each genre in turn (then of the whole catalogue)."""
    top = sorted(heard, key=lambda t: (-heard[t], t))[:SEED_TRACKS]
    seeds = {t: float(heard[t]) for t in top}
    ranked = blend(seeds, shared.neighbours(session, seeds), exclude=played, limit=POOL)
    genres = _listener_genres(session, top) if top else _catalogue_genres(session)
    ranked += round_robin([shared.get(session, g) for g in genres], length=POOL)
    ranked += shared.get(session, None)
    fresh = [t for t in dict.fromkeys(ranked) if t not in played][: WEEKLY_LENGTH * 4]
    desc = "New to you, picked from what you play" if heard else "Popular across Encore, a genre at a time"
    return Built(DISCOVER, 1, "Discover Weekly", desc, fresh)


def _listener_genres(session: Session, tracks: list[int]) -> list[int]:
    own = Counter(session.scalars(select(TrackGenre.genre_id).where(TrackGenre.track_id.in_(_ids("tracks", tracks)))))
    own.update(
        session.scalars(
            select(AlbumGenre.genre_id)
            .join(Track, Track.album_id == AlbumGenre.album_id)
            .where(Track.id.in_(_ids("tracks", tracks)))
        )
    )
    return [g for g, _ in own.most_common(5)]


def _catalogue_genres(session: Session) -> list[int]:
    """The catalogue's 10 largest genres (by albums), for a listener nothing is known about."""
    rows = session.scalars(
        select(AlbumGenre.genre_id)
        .group_by(AlbumGenre.genre_id)
        .order_by(func.count().desc(), AlbumGenre.genre_id)
        .limit(10)
    )
    return list(rows)


def _radar(session: Session, *, heard: dict[int, int], now: datetime) -> Built:
    """Tracks of releases from the last four weeks (never a future one) by artists the listener plays,
    newest release first, one track per release in turn."""
    artists = select(TrackArtist.artist_id).where(TrackArtist.track_id.in_(_ids("heard", heard))).distinct()
    since = (now - timedelta(days=RADAR_DAYS)).date()
    rows = session.execute(
        select(Track.id, Track.album_id)
        .join(Album, Album.id == Track.album_id)
        .where(
            Track.id.in_(select(TrackArtist.track_id).where(TrackArtist.artist_id.in_(artists))),
            Album.release_date >= since,
            Album.release_date <= now.date(),
            music_track(),
        )
        .order_by(Album.release_date.desc(), Album.id, Track.disc_number, Track.track_number, Track.id)
    )
    releases: dict[int, list[int]] = {}
    for track, album in rows:
        releases.setdefault(album, []).append(track)
    ranked = round_robin(list(releases.values()), length=WEEKLY_LENGTH * 4)
    return Built(RADAR, 1, "Release Radar", "New releases from artists you play", ranked)


def _store(session: Session, *, user_id: int, kinds: Sequence[str], built: list[Built], now: datetime) -> None:
    """Each mix in its slot: a changed mix forgets its "saved as" playlist (saving again saves the new one).
    Bulk statements (no ORM objects: this runs for every listener); readers that loaded mixes before
    re-read them with populate_existing (`_mix_reads.my_mixes`)."""
    stored = session.execute(
        select(Mix.kind, Mix.slot, Mix.id, Mix.track_ids).where(Mix.user_id == user_id, Mix.kind.in_(kinds))
    )
    rows = {(kind, slot): (row_id, ids) for kind, slot, row_id, ids in stored}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for b in built:
        ids = json.dumps(b.track_ids)
        values = {"title": b.title, "description": b.description[:500], "built_at": now}
        found = rows.pop((b.kind, b.slot), None)
        if found is None:
            inserts.append({"public_id": new_public_id(), "user_id": user_id, "kind": b.kind, "slot": b.slot,
                            "track_ids": ids, "saved_playlist": None, **values})  # fmt: skip
        elif found[1] != ids:
            updates.append({"id": found[0], "track_ids": ids, "saved_playlist": None, **values})
        else:
            updates.append({"id": found[0], **values})
    if inserts:
        session.execute(insert(Mix), inserts)
    for keys in {frozenset(u) for u in updates}:  # one executemany per set of columns
        session.execute(update(Mix), [u for u in updates if frozenset(u) == keys])
    stale = [row_id for row_id, _ in rows.values()]  # Daily Mixes beyond today's clusters
    if stale:
        session.execute(delete(Mix).where(Mix.id.in_(stale)))
