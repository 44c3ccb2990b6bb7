"""Finished Wrapped tallies per (listener, year) and per (listener, month), stored, so a Wrapped merges a few
small tallies instead of grouping every monthly rollup row and loading the names of every track heard (#17).

A decade merges its years' tallies; a year merges its months' (`_month_tally`), and the current year's own
tally is combined from its months'. A new play folds into one month: only that month is tallied again from
its rollups, its year combined again from twelve stored months, without loading any track names.

One tally holds: listens and ms per track, artist, album and genre key; the shown fields of artists, genres
and uncatalogued tracks and albums as first seen in the part, catalogue listens apart from text ones; each
album's tracks heard; listens and ms per day; listens per UTC hour. Merging the parts in order gives what one
pass over the period's (bucket, track) rows gives (`_fanout.tally`), field for field:

- That pass describes each track once, where it first appears: catalogue rows (by bucket, then track id),
  then text rows (by bucket, then text key). A "first seen wins" field (an artist's name and id, a genre's
  name, a text track's or album's text) comes from the earliest part holding the key, catalogue before
  text: no earlier part holds it, so every track of that part naming it is new to the period, and the
  part's own first is the period's first.
- The one "last seen wins" field (the track whose lead artist an album shows) is the album's track whose
  first part is latest, highest id within that part. It needs every part's tracks of the album, so it is
  worked out only for the albums that can reach a top list.

A fold that changes a month's rollups empties its tally and its year's and bumps their versions in the
fold's transaction (`invalidate`); a tally built meanwhile is saved only over the version it read (`save`),
so no stale tally is ever stored and a job killed mid-way leaves none half-written (each save is one
statement). Rows of `wrapped_tallies` are keyed by a year (2024) or a month (yyyymm: 202403).
"""

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import NamedTuple

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from encore.db import write_lock
from encore.insights import _queries as q
from encore.insights import _rollup_queries as rollups
from encore.insights._fanout import ShownFields, Tallies
from encore.insights._models import WrappedTally
from encore.insights._month_tally import COUNTS, YearTally, build, combine, counter, empty, month_period, total
from encore.insights._period import Period
from encore.insights._snapshot import TOP_N

Clock = tuple[list[tuple[str, int, int]], list[tuple[int, int]]]  # (day, listens, ms) rows; (hour, listens)


def lock_listener(session: Session, user_id: int) -> None:
    """One writer at a time of a listener's tallies and stored snapshots, until the transaction ends: a fold
    takes it before it empties them, a build before it stores them (`unchanged_since`), always before touching
    the tallies, so the two never wait for each other in a cycle on PostgreSQL."""
    write_lock(session, "wrapped", user_id)


def generation(session: Session, *, user_id: int, years: list[int]) -> dict[int, int]:
    """The versions of these years' tallies, read before a build reads the rollups: a fold of any of their
    months bumps its year's (`invalidate`). A year without a row is 0 (a build's own first save inserts 0,
    a fold's insert is 1)."""
    return {key: version for key, (version, _) in load(session, user_id=user_id, keys=years).items()}


def unchanged_since(session: Session, *, user_id: int, years: list[int], read: dict[int, int]) -> bool:
    """Whether no fold changed these years since `generation` gave `read`: a snapshot built from rollups
    read before a forget committed must not be stored after it. Takes `lock_listener` first, so no fold
    commits between this check and the caller's save."""
    lock_listener(session, user_id)
    now = generation(session, user_id=user_id, years=years)
    return all(now.get(year, 0) == read.get(year, 0) for year in years)


def months_of(year: int) -> list[int]:
    return [year * 100 + m for m in range(1, 13)]


def invalidate(session: Session, keys: Iterable[tuple[int, int]]) -> None:
    """The rollups of these (listener, year or month) pairs changed: empty their tallies and bump their
    versions, in the caller's (the fold's) transaction. One upsert, so a tally never outlives its plays."""
    rows = [{"user_id": u, "year": k, "version": 1, "data": None} for u, k in sorted(set(keys))]
    if not rows:
        return
    conn = session.connection()
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = upsert(WrappedTally).on_conflict_do_update(
        index_elements=["user_id", "year"], set_={"version": WrappedTally.version + 1, "data": None}
    )
    conn.execute(statement, rows)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Reading tallies makes a few hundred thousand small objects and no cycles: the collector, run on the
    way by allocation counts, would walk everything alive each time (~70% of a decade's parse, measured).
    It runs as usual once the read is done; a thread that paused it first resumes it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _dumps(data: YearTally) -> str:
    """orjson (a decade read parses ~2 MB of tallies: its largest part with `json`). orjson holds integers to
    64 bits: a sum past that (milliseconds a hostile file claims) is written by `json` after a space, which
    `_loads` reads back with `json`, so it stays exact."""
    try:
        return orjson.dumps(data).decode()
    except TypeError:
        return " " + json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _loads(text: str) -> YearTally:
    loaded: YearTally = json.loads(text) if text.startswith(" ") else orjson.loads(text)
    return loaded


def save(session: Session, *, user_id: int, key: int, version: int | None, data: YearTally) -> None:
    """Store a tally built after reading `version` (None: no row yet), unless a fold changed it since."""
    text = _dumps(data)
    conn = session.connection()
    if version is None:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            insert(WrappedTally).values(user_id=user_id, year=key, version=0, data=text).on_conflict_do_nothing()
        )
    else:
        conn.execute(
            update(WrappedTally)
            .where(WrappedTally.user_id == user_id, WrappedTally.year == key, WrappedTally.version == version)
            .values(data=text)
        )


def load(session: Session, *, user_id: int, keys: list[int]) -> dict[int, tuple[int, str | None]]:
    """Stored (version, JSON or None) by year or month."""
    query = select(WrappedTally.year, WrappedTally.version, WrappedTally.data).where(
        WrappedTally.user_id == user_id, WrappedTally.year.in_(keys)
    )
    return {int(k): (int(v), d) for k, v, d in session.connection().execute(query)}


class Pending(NamedTuple):
    """A tally built in this read, to be saved (`save_all`) when the snapshot is done."""

    key: int  # a year or a month (yyyymm)
    version: int | None
    data: YearTally


def _months_heard(session: Session, *, user_id: int, first: int, last: int) -> set[int]:
    """The months from `first` to `last` with any rollup (every play has an hour row)."""
    hours = rollups.H
    query = select(hours.month).where(hours.user_id == user_id, hours.month >= first, hours.month <= last).distinct()
    return {int(m) for m in session.connection().execute(query).scalars()}


def month_tallies(
    session: Session,
    *,
    user_id: int,
    years: list[int],
    info: dict[int, q.TrackInfo],
    refresh: bool = False,
    stored: dict[int, tuple[int, str | None]] | None = None,
    heard: set[int] | None = None,
) -> tuple[dict[int, list[YearTally]], list[Pending]]:
    """The twelve months' tallies of each of these years (by year, in order), building those missing or
    emptied (all of them with `refresh`) from the rollups; nothing is written here (see `year_tallies`).
    `stored`, `heard`: the months' rows and the months heard, if the caller has read them."""
    months = [m for year in years for m in months_of(year)]
    if stored is None:  # read before the rollups: see `save`
        stored = load(session, user_id=user_id, keys=months) if months else {}
    out: dict[int, list[YearTally]] = {year: [] for year in years}
    built: list[Pending] = []
    for month in months:
        version, data = stored.get(month, (None, None))
        if data is not None and not refresh:
            one = _loads(data)
        else:
            if heard is None:
                heard = _months_heard(session, user_id=user_id, first=months[0], last=months[-1])
            period = month_period(month)
            one = build(session, user_id=user_id, period=period, info=info) if month in heard else empty()
            built.append(Pending(month, version, one))
        out[month // 100].append(one)
    return out, built


def year_of_months(
    session: Session, *, user_id: int, year: int, info: dict[int, q.TrackInfo], refresh: bool, live: int | None
) -> tuple[list[YearTally], list[Pending]] | None:
    """One year's twelve month tallies, if the year is `live` (built where missing, and kept) or all its
    months heard are stored; else None, and the caller reads the year's rollups in one pass: building and
    keeping twelve months is worth it where plays still land, not for a past year read once (a batch)."""
    months = months_of(year)
    rows = load(session, user_id=user_id, keys=months)  # read before the rollups: see `save`
    heard = _months_heard(session, user_id=user_id, first=months[0], last=months[-1])
    kept = all(rows.get(m, (0, None))[1] is not None for m in heard)
    if year != live and (refresh or not kept):
        return None
    got, built = month_tallies(
        session, user_id=user_id, years=[year], info=info, refresh=refresh, stored=rows, heard=heard
    )
    return got[year], built


def _one_bucket(year: int) -> Period:
    """A year whose one bucket is the year itself, as a decade buckets it."""
    return Period(str(year), "decade", datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))


def year_tallies(
    session: Session,
    *,
    user_id: int,
    years: list[int],
    info: dict[int, q.TrackInfo],
    refresh: bool = False,
    live: int | None = None,
) -> tuple[list[YearTally], list[Pending]]:
    """The stored tallies of these years, building those missing or emptied (all of them with `refresh`).
    The `live` year (the clock's: where new plays land), and a year whose months are all stored, is combined
    from its months' (built where missing, and kept: the next play re-tallies one month); any other year is
    tallied once from its rollups, without storing its months (a decade's first read stays one pass per
    year, not twelve). Nothing is written here: the caller saves the built ones last (`save_all`), so a
    request takes its write lock (SQLite's is the whole database) only for the moment it stores them."""
    stored = load(session, user_id=user_id, keys=years)  # read before the months: see `save`
    out = {y: _loads(d) for y, (_, d) in stored.items() if d is not None and not refresh}
    todo = [y for y in years if y not in out]
    if not todo:
        return [out[y] for y in years], []
    heard = _months_heard(session, user_id=user_id, first=todo[0] * 100 + 1, last=todo[-1] * 100 + 12)
    heard_years = {m // 100 for m in heard}
    wanted = [m for y in todo if y in heard_years for m in months_of(y)]
    rows = load(session, user_id=user_id, keys=wanted) if wanted else {}

    def by_months(year: int) -> bool:
        kept = all(rows.get(m, (0, None))[1] is not None for m in heard if m // 100 == year)
        return year == live or (kept and not refresh)

    combined = [y for y in todo if y in heard_years and by_months(y)]
    months, built = month_tallies(
        session, user_id=user_id, years=combined, info=info, refresh=refresh, stored=rows, heard=heard
    )
    for year in todo:
        if year in months:
            out[year] = combine(months[year])
        elif year in heard_years:
            out[year] = build(session, user_id=user_id, period=_one_bucket(year), info=info)
        else:
            out[year] = empty()
        built.append(Pending(year, stored.get(year, (None, None))[0], out[year]))
    return [out[y] for y in years], built


def save_all(session: Session, *, user_id: int, pending: list[Pending]) -> None:
    """Save each as `save` does; those without a row yet (all ten years of a decade's first read) in one
    insert of many rows rather than a statement each."""
    ordered = sorted(pending, key=lambda p: p.key)
    new = [
        {"user_id": user_id, "year": p.key, "version": 0, "data": _dumps(p.data)} for p in ordered if p.version is None
    ]
    if new:
        conn = session.connection()
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(insert(WrappedTally).on_conflict_do_nothing(), new)
    for key, version, data in ordered:
        if version is not None:
            save(session, user_id=user_id, key=key, version=version, data=data)


def merge(labels: list[str], tallies: list[YearTally], info: dict[int, q.TrackInfo]) -> Tallies:
    """A period's tallies from its parts' (years or months, in order, labelled as their buckets), as
    `_fanout.tally` over the period's rows gives them.
    Catalogue tracks and albums are shown lazily from `info`: load the candidates first (`candidate_tracks`)."""
    t = Tallies(ShownFields(info))
    shown, ids = t.shown, t.artist_ids
    for phase in (0, 1):  # first seen wins: catalogue before text, earlier parts first
        for one in tallies:
            for key, value in one["first"][phase].items():
                if key not in shown:
                    shown[key] = (value[0], value[1], value[2])
            for key, artist_id in one["ids"][phase].items():
                ids.setdefault(key, artist_id)
    parts = {name: [counter(one[name]) for one in tallies] for name in COUNTS}
    t.tracks, t.artists, t.albums, t.genres = (total(parts[name]) for name in COUNTS)
    for label, tracks, artists, genres in zip(labels, parts["tracks"], parts["artists"], parts["genres"], strict=True):
        if tracks.listens:  # a part with listens is an era of the period
            t.buckets[label] = (tracks, artists, genres)
    return t


def album_track(album: str, tallies: list[YearTally]) -> int | None:
    """The track an album shows (its lead artist): the last described over the period, i.e. the album's track
    first heard in the latest part, highest id within that part."""
    seen: set[int] = set()
    last = None
    for one in tallies:
        new = [tid for tid in one["album_tracks"].get(album, ()) if tid not in seen]
        if new:
            last = new[-1]
            seen.update(new)
    return last


def candidate_tracks(t: Tallies, tallies: list[YearTally]) -> set[int]:
    """Catalogue tracks whose names ranking may ask for: near the top tracks of the period and of each part,
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
