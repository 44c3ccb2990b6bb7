"""Building one listener's mixes: Daily Mixes from clusters of their artists, Discover Weekly from the
recommender, Release Radar from their artists' new releases. Everything derived from other listeners comes
from the neighbour tables and `popular_in_genres`, which keep the 5-listener floor and leave opt-outs out;
the listener's own plays pick the familiar tracks (for them alone). Only tracks they may play now are kept."""

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from encore.catalog import Track, music_track
from encore.discovery._answers import POOL
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
from encore.discovery._mix_shared import Shared, TrackFacts
from encore.discovery._recommend import blend
from encore.history import HistoryImport, Play, visible
from encore.kernel import new_public_id

TOP_ARTISTS = 30
SEED_TRACKS = 50
HEARD_LISTENS = 5_000  # the most recent listens a listener's mixes are made from (`_heard`)


@dataclass(frozen=True)
class Built:
    kind: str
    slot: int
    title: str
    description: str
    track_ids: list[int]


@dataclass(frozen=True)
class Taste:
    """A listener's own listening as the mixes read it: listens per music track (`_heard`), every track ever
    played (`_played`), and per artist their listens and played tracks, artists in the order first met
    in track order (what breaks ties between artists)."""

    heard: dict[int, int]
    played: frozenset[int]
    facts: Mapping[int, TrackFacts]
    by_artist: Counter[int]
    tracks_of: dict[int, list[int]]


def build_mixes(
    session: Session, *, user_id: int, now: datetime, kinds: Sequence[str] = KINDS, shared: Shared | None = None
) -> list[Built]:
    """Rebuild and store the listener's mixes of `kinds`; returns what was built."""
    shared = shared or Shared()
    taste = _taste(session, user_id, shared)
    ranked: list[Built] = []
    if DAILY in kinds:
        ranked += _daily(session, taste=taste, shared=shared)
    if DISCOVER in kinds:
        ranked.append(_discover(session, taste=taste, shared=shared))
    if RADAR in kinds:
        ranked.append(_radar(session, taste=taste, now=now, shared=shared))
    # One availability decision for every candidate of every mix (playback's, as for a stream).
    may = shared.playable(session, user_id=user_id, tracks={t for b in ranked for t in b.track_ids}, now=now)
    built = [_trim(b, may) for b in ranked]
    dailies = [b for b in built if b.kind == DAILY and b.track_ids]  # a cluster with nothing playable: no mix
    built = [Built(DAILY, i, f"Daily Mix {i}", b.description, b.track_ids) for i, b in enumerate(dailies, start=1)] + [
        b for b in built if b.kind != DAILY
    ]
    _store(session, user_id=user_id, kinds=kinds, built=built, now=now)
    return built


def _taste(session: Session, user_id: int, shared: Shared) -> Taste:
    heard = _heard(session, user_id, shared)
    facts = shared.facts(session, heard)
    by_artist: Counter[int] = Counter()
    tracks_of: dict[int, list[int]] = defaultdict(list)
    for track in sorted(heard):
        n = heard[track]
        for artist in facts[track].artists:
            by_artist[artist] += n
            tracks_of[artist].append(track)
    return Taste(heard, _played(session, user_id, heard), facts, by_artist, tracks_of)


def _heard(session: Session, user_id: int, shared: Shared) -> dict[int, int]:
    """The listener's own listens per music track, of their HEARD_LISTENS most recent music listens (their
    own data: it picks what is familiar to them). The cap keeps any one listener's share of the run bounded:
    a decade imported is read as its latest listens, not as hundreds of thousands of rows.

    Read first without visiting the catalogue for every listen (music or not is known per run,
    `Shared.facts`): when fewer than the cap came back, or all of them music, that is exactly the capped
    read of music listens; otherwise (an ad or an uncatalogued listen among the latest of a heavy
    listener) the capped read of music listens is asked."""
    conn, params = session.connection(), {"user": user_id, "cap": HEARD_LISTENS}
    counts: dict[int | None, int] = dict(conn.execute(_HEARD_ANY, params).all())
    facts = shared.facts(session, [t for t in counts if t is not None])
    heard = {t: n for t, n in counts.items() if t is not None and facts[t].music}
    if len(heard) == len(counts) or sum(counts.values()) < HEARD_LISTENS:
        return heard
    return {t: n for t, n in conn.execute(_HEARD, params) if t is not None}


def _own_visible() -> ColumnElement[bool]:
    """`history.visible()` for the plays of the listener `:user`. A listener with no unpublished import sees
    all of their plays (an import tags only its own listener's rows), so the database checks that once
    and skips reading each play's row for its import id (the plays' indexes do not hold it); the same
    statement, so no import can start between the check and the read."""
    pending = select(HistoryImport.id).where(
        HistoryImport.user_id == bindparam("user"), HistoryImport.published.is_(False)
    )
    return or_(~pending.exists(), visible())


def _recent(*, music_only: bool) -> Select[int | None, int]:
    """Listens per track among the listener's `:cap` most recent listens (of music only, or of anything)."""
    recent = select(Play.track_id).where(Play.user_id == bindparam("user"), Play.is_listen.is_(True), _own_visible())
    if music_only:
        recent = recent.join(Track, Track.id == Play.track_id).where(music_track())
    latest = recent.order_by(Play.started_at.desc(), Play.id.desc()).limit(bindparam("cap")).subquery()
    return select(latest.c.track_id, func.count()).group_by(latest.c.track_id)


_HEARD_ANY, _HEARD = _recent(music_only=False), _recent(music_only=True)


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


def _trim(b: Built, allowed: set[int]) -> Built:
    length = MIX_LENGTH if b.kind == DAILY else WEEKLY_LENGTH
    return Built(b.kind, b.slot, b.title, b.description, [t for t in b.track_ids if t in allowed][:length])


def _daily(session: Session, *, taste: Taste, shared: Shared) -> list[Built]:
    heard, played = taste.heard, taste.played
    if not heard:
        return []  # cold start: nothing of theirs to be familiar with
    top = taste.by_artist.most_common(TOP_ARTISTS)
    artists = [a for a, _ in top]
    genre_of = main_genres(artists, taste)
    # Only an artist with no genre is placed by its neighbours: read theirs alone.
    neighbours = shared.artist_neighbours(session, [a for a in artists if genre_of[a] is None])
    clusters = cluster_artists(top, genre_of=genre_of, neighbours=neighbours)
    names = shared.names(session, artists)
    owns = [sorted({t for a in c.artists for t in taste.tracks_of[a]}, key=lambda t: (-heard[t], t)) for c in clusters]
    lists = shared.neighbours(session, {t: None for own in owns for t in own[:SEED_TRACKS]})  # one read
    theirs = shared.artists(session, [a for c in clusters for a in c.artists[:5]])  # one read
    out = []
    for slot, (cluster, own) in enumerate(zip(clusters, owns, strict=True), start=1):
        seeds = {t: float(heard[t]) for t in own[:SEED_TRACKS]}
        fresh = blend(seeds, lists, exclude=played, limit=POOL)
        fresh += [t for a in cluster.artists[:5] for t in theirs[a] if t not in played]
        fresh += [t for t in shared.get(session, cluster.genre) if t not in played]
        ranked = interleave(own, list(dict.fromkeys(fresh)), length=MIX_LENGTH * 2)
        desc = daily_description([names[a] for a in cluster.artists], shared.genre_name(session, cluster.genre))
        out.append(Built(DAILY, slot, f"Daily Mix {slot}", desc, ranked))
    return out


def main_genres(artists: list[int], taste: Taste) -> dict[int, int | None]:
    """Each artist's genre: the one most of the listener's plays of its tracks carry (track's own or album's;
    ties: the genre met first, in track order then genre order)."""
    out: dict[int, int | None] = {}
    for a in artists:
        weight: Counter[int] = Counter()
        for t in taste.tracks_of[a]:
            n = taste.heard[t]
            for g in taste.facts[t].genres:
                weight[g] += n
        out[a] = weight.most_common(1)[0][0] if weight else None
    return out


def _discover(session: Session, *, taste: Taste, shared: Shared) -> Built:
    """30 tracks never played: like their most played, then popular in their genres; with no history, the
    most listened tracks of each genre in turn (then of the whole catalogue)."""
    heard, played = taste.heard, taste.played
    top = sorted(heard, key=lambda t: (-heard[t], t))[:SEED_TRACKS]
    seeds = {t: float(heard[t]) for t in top}
    ranked = blend(seeds, shared.neighbours(session, seeds), exclude=played, limit=POOL)
    genres = listener_genres(top, taste.facts) if top else shared.largest_genres(session)
    ranked += round_robin([shared.get(session, g) for g in genres], length=POOL)
    ranked += shared.get(session, None)
    fresh = [t for t in dict.fromkeys(ranked) if t not in played][: WEEKLY_LENGTH * 4]
    desc = "New to you, picked from what you play" if heard else "Popular across Encore, a genre at a time"
    return Built(DISCOVER, 1, "Discover Weekly", desc, fresh)


def listener_genres(tracks: list[int], facts: Mapping[int, TrackFacts]) -> list[int]:
    """The 5 genres most of `tracks` carry, a track's own and its album's counted apart (ties: own genres
    first, then in track order)."""
    own: Counter[int] = Counter()
    for t in sorted(tracks):
        own.update(facts[t].own_genres)
    for t in sorted(tracks):
        own.update(facts[t].album_genres)
    return [g for g, _ in own.most_common(5)]


def _radar(session: Session, *, taste: Taste, now: datetime, shared: Shared) -> Built:
    """Tracks of releases from the last four weeks (never a future one) by artists the listener plays,
    newest release first, one track per release in turn."""
    since = (now - timedelta(days=RADAR_DAYS)).date()
    releases: dict[int, list[int]] = {}
    for album, track in shared.recent(session, since=since, until=now.date()).of(taste.by_artist):
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


def forget_mixes(session: Session, *, user_id: int) -> None:
    """The listener forgot plays: their mixes were made from them (a Daily Mix is even named by their artists)
    and would be served until the next day's or week's build (review24 F4). Dropped here, in the forget's own
    transaction; with no Discover row left, the next read builds them anew from what is left (`my_mixes`)."""
    session.execute(delete(Mix).where(Mix.user_id == user_id))
