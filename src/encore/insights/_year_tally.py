"""A finished Wrapped tally per (listener, year), stored, so a decade merges ten small tallies instead of
grouping ~100,000 monthly rollup rows and loading the names of every track heard (issue #17).

One year's tally holds: listens and ms per track, artist, album and genre key; the shown fields of artists,
genres and uncatalogued tracks and albums as first seen in the year, catalogue listens apart from text ones;
each album's tracks heard; listens and ms per day; listens per UTC hour. Merging the years in order gives
what one pass over the decade's (year, track) rows gives (`_fanout.tally`), field for field:

- That pass describes each track once, where it first appears: catalogue rows (by year, then track id),
  then text rows (by year, then text key). A "first seen wins" field (an artist's name and id, a genre's
  name, a text track's or album's text) comes from the earliest year holding the key, catalogue before
  text: no earlier year holds it, so every track of that year naming it is new to the decade, and the
  year's own first is the decade's first.
- The one "last seen wins" field (the track whose lead artist an album shows) is the album's track whose
  first year is latest, highest id within that year. It needs every year's tracks of the album, so it is
  worked out only for the albums that can reach a top list.

A fold that changes a year's rollups empties its tally and bumps its version in the fold's transaction
(`invalidate`); a tally built meanwhile is saved only over the version it read (`save`), so no stale tally
is ever stored and a job killed mid-way leaves none half-written (each save is one statement).
"""

import itertools
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from encore.insights import _queries as q
from encore.insights import _rollup_queries as rollups
from encore.insights._fanout import ShownFields, Tallies, tally
from encore.insights._models import WrappedTally
from encore.insights._period import Period
from encore.insights._snapshot import TOP_N
from encore.insights._tally import Counter

YearTally = dict[str, Any]  # the JSON stored in wrapped_tallies.data; keys below
Clock = tuple[list[tuple[str, int, int]], list[tuple[int, int]]]  # (day, listens, ms) rows; (hour, listens)


def _year(year: int) -> Period:
    """A year whose one bucket is the year itself, as a decade buckets it."""
    return Period(str(year), "decade", datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))


def _counts(c: Counter) -> list[list[Any]]:
    """[keys, listens, ms] as parallel lists: each key stored once, and read back into dicts in C."""
    keys = list(c.listens)
    return [keys, [c.listens[k] for k in keys], [c.ms[k] for k in keys]]


def _sum(a: Counter, b: Counter) -> Counter:
    out = Counter(dict(a.listens), dict(a.ms))
    for key, n in b.listens.items():
        out.add(key, n, b.ms[key])
    return out


def build_year(session: Session, *, user_id: int, year: int, info: dict[int, q.TrackInfo]) -> YearTally:
    """One year's tally from the rollups as they are. `info` is a track-info cache, filled as needed."""
    period = _year(year)
    rows = rollups.track_buckets(session, user_id=user_id, period=period)
    missing = sorted({row[1] for row in rows if row[1] is not None and row[1] not in info})
    if missing:
        info.update(q.track_info(session, ids=missing))
    phases = [  # catalogue rows, then text rows: a decade describes every catalogue track first
        tally([r for r in rows if r[1] is not None], info),
        tally([r for r in rows if r[1] is None], info),
    ]
    album_tracks: dict[str, list[int]] = {}
    for row in rows:  # ordered by track id
        tid = row[1]
        track = info.get(tid) if tid is not None else None
        if tid is not None and track is not None:
            album_tracks.setdefault(track.album_key, []).append(tid)
    return {
        "tracks": _counts(_sum(phases[0].tracks, phases[1].tracks)),
        "artists": _counts(_sum(phases[0].artists, phases[1].artists)),
        "albums": _counts(_sum(phases[0].albums, phases[1].albums)),
        "genres": _counts(_sum(phases[0].genres, phases[1].genres)),
        # dict.items: only the fields described, not the catalogue tracks and albums filled in lazily
        "first": [{k: v for k, v in dict.items(p.shown) if not k.startswith(("t:", "al:"))} for p in phases],
        "ids": [p.artist_ids for p in phases],
        "album_tracks": album_tracks,
        "days": rollups.day_totals(session, user_id=user_id, period=period),
        "hours": rollups.hour_of_day_listens(session, user_id=user_id, period=period),
    }


def invalidate(session: Session, keys: Iterable[tuple[int, int]]) -> None:
    """The rollups of these (listener, year) pairs changed: empty their tallies and bump their versions, in
    the caller's (the fold's) transaction. One upsert, so a tally never outlives the plays it counted."""
    rows = [{"user_id": u, "year": y, "version": 1, "data": None} for u, y in sorted(set(keys))]
    if not rows:
        return
    conn = session.connection()
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = upsert(WrappedTally).on_conflict_do_update(
        index_elements=["user_id", "year"], set_={"version": WrappedTally.version + 1, "data": None}
    )
    conn.execute(statement, rows)


def save(session: Session, *, user_id: int, year: int, version: int | None, data: YearTally) -> None:
    """Store a tally built after reading `version` (None: no row yet), unless a fold changed its year since."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    conn = session.connection()
    if version is None:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            insert(WrappedTally).values(user_id=user_id, year=year, version=0, data=text).on_conflict_do_nothing()
        )
    else:
        conn.execute(
            update(WrappedTally)
            .where(WrappedTally.user_id == user_id, WrappedTally.year == year, WrappedTally.version == version)
            .values(data=text)
        )


def load(session: Session, *, user_id: int, years: list[int]) -> dict[int, tuple[int, str | None]]:
    """Stored (version, JSON or None) by year."""
    query = select(WrappedTally.year, WrappedTally.version, WrappedTally.data).where(
        WrappedTally.user_id == user_id, WrappedTally.year.in_(years)
    )
    return {int(y): (int(v), d) for y, v, d in session.connection().execute(query)}


class Pending(NamedTuple):
    """A tally built in this read, to be saved (`save_all`) when the snapshot is done."""

    year: int
    version: int | None
    data: YearTally


def year_tallies(
    session: Session, *, user_id: int, years: list[int], info: dict[int, q.TrackInfo], refresh: bool = False
) -> tuple[list[YearTally], list[Pending]]:
    """The stored tallies of these years, building those missing or emptied (all of them with `refresh`).
    Nothing is written here: the caller saves the built ones last (`save_all`), so a request takes its
    write lock (SQLite's is the whole database) only for the moment it stores its results."""
    stored = load(session, user_id=user_id, years=years)  # read before the rollups: see `save`
    out, built = [], []
    heard: set[int] | None = None
    for year in years:
        version, data = stored.get(year, (None, None))
        if data is not None and not refresh:
            out.append(json.loads(data))
            continue
        if heard is None:
            heard = _years_heard(session, user_id=user_id, years=years)
        one = build_year(session, user_id=user_id, year=year, info=info) if year in heard else _empty()
        built.append(Pending(year, version, one))
        out.append(one)
    return out, built


def _years_heard(session: Session, *, user_id: int, years: list[int]) -> set[int]:
    """The years with any rollup (every play has an hour row): the others' tallies need no query."""
    hours = rollups.H
    year = hours.month // 100
    query = (
        select(year)
        .where(hours.user_id == user_id, hours.month >= years[0] * 100, hours.month < (years[-1] + 1) * 100)
        .distinct()
    )
    return {int(y) for y in session.connection().execute(query).scalars()}


def _empty() -> YearTally:
    """What `build_year` gives for a year without plays."""
    nothing: list[list[Any]] = [[], [], []]
    return {
        "tracks": nothing, "artists": nothing, "albums": nothing, "genres": nothing, "first": [{}, {}],
        "ids": [{}, {}], "album_tracks": {}, "days": [], "hours": [],
    }  # fmt: skip


def save_all(session: Session, *, user_id: int, pending: list[Pending]) -> None:
    for year, version, data in pending:
        save(session, user_id=user_id, year=year, version=version, data=data)


def _counter(counts: list[list[Any]]) -> Counter:
    keys, listens, ms = counts
    return Counter(dict(zip(keys, listens, strict=True)), dict(zip(keys, ms, strict=True)))


def _total(parts: list[Counter]) -> Counter:
    """The sum of the years' counters: every key set to 0 in C first, then plain `+=` (no `get` calls)."""
    listens = dict.fromkeys(itertools.chain.from_iterable(p.listens for p in parts), 0)
    ms = dict.fromkeys(listens, 0)
    for part in parts:
        for key, value in part.listens.items():
            listens[key] += value
        for key, value in part.ms.items():
            ms[key] += value
    return Counter(listens, ms)


def merge(years: list[int], tallies: list[YearTally], info: dict[int, q.TrackInfo]) -> Tallies:
    """A decade's tallies from its years' (in order), as `_fanout.tally` over the decade's rows gives them.
    Catalogue tracks and albums are shown lazily from `info`: load the candidates first (`candidate_tracks`)."""
    t = Tallies(ShownFields(info))
    shown, ids = t.shown, t.artist_ids
    for phase in (0, 1):  # first seen wins: catalogue before text, earlier years first
        for one in tallies:
            for key, value in one["first"][phase].items():
                if key not in shown:
                    shown[key] = (value[0], value[1], value[2])
            for key, artist_id in one["ids"][phase].items():
                ids.setdefault(key, artist_id)
    parts = {name: [_counter(one[name]) for one in tallies] for name in ("tracks", "artists", "albums", "genres")}
    t.tracks, t.artists, t.albums, t.genres = (_total(parts[name]) for name in parts)
    for year, tracks, artists, genres in zip(years, parts["tracks"], parts["artists"], parts["genres"], strict=True):
        if tracks.listens:  # a year with listens is an era of the decade
            t.buckets[str(year)] = (tracks, artists, genres)
    return t


def album_track(album: str, tallies: list[YearTally]) -> int | None:
    """The track an album shows (its lead artist): the last described over the decade, i.e. the album's track
    first heard in the latest year, highest id within that year."""
    seen: set[int] = set()
    last = None
    for one in tallies:
        new = [tid for tid in one["album_tracks"].get(album, ()) if tid not in seen]
        if new:
            last = new[-1]
            seen.update(new)
    return last


def candidate_tracks(t: Tallies, tallies: list[YearTally]) -> set[int]:
    """Catalogue tracks whose names ranking may ask for: near the top tracks of the decade and of each year,
    and the tracks shown by the albums near the top. Registers those albums' tracks in `t.shown`."""
    keys = list(t.tracks.candidates(TOP_N))
    for tracks, _, _ in t.buckets.values():
        keys.extend(tracks.candidates(1))
    ids = {int(k[2:]) for k in keys if k.startswith("t:")}
    for album in t.albums.candidates(TOP_N):
        if album.startswith("al:"):
            tid = album_track(album, tallies)
            if tid is not None:
                t.shown.album_track[album] = tid
                ids.add(tid)
    return ids


def clock(tallies: list[YearTally]) -> Clock:
    days: list[tuple[str, int, int]] = []
    hours: dict[int, int] = {}
    for one in tallies:
        days.extend((d, n, ms) for d, n, ms in one["days"])
        for h, n in one["hours"]:
            hours[h] = hours.get(h, 0) + n
    return days, sorted(hours.items())
