"""Assemble one listener's Snapshot for one period from the SQL aggregations in `_queries`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from encore.catalog import identity_key
from encore.insights import _queries as q
from encore.insights._period import Period
from encore.insights._snapshot import Era, FirstTrack, Snapshot, YearTop
from encore.insights._tally import Counter, Shown, longest_streak, most_played_day, top_percent

# (period label, artist id or None, artist name) -> listens per listener; the batch shares one cache.
ListenerCounts = Callable[[Period, int | None, str], list[int]]


@dataclass
class _Track:
    """What one track key contributes to: its artists, album and genres (keys into `shown`)."""

    artists: list[str]
    album: str | None
    genres: list[str]


@dataclass
class _Tallies:
    tracks: Counter = field(default_factory=Counter)
    artists: Counter = field(default_factory=Counter)
    albums: Counter = field(default_factory=Counter)
    genres: Counter = field(default_factory=Counter)
    buckets: dict[str, tuple[Counter, Counter, Counter]] = field(default_factory=dict)  # tracks, artists, genres
    shown: dict[str, Shown] = field(default_factory=dict)
    artist_ids: dict[str, int | None] = field(default_factory=dict)  # artist key -> catalogue id


def _describe(t: _Tallies, row: q.TrackRow, info: dict[int, q.TrackInfo]) -> tuple[str, _Track]:
    """The track key of a row, registering its display fields and links the first time it is seen."""
    track = info.get(row.track_id) if row.track_id is not None else None
    if track is not None:
        key = f"t:{row.track_id}"
        lead = track.artists[0][1] if track.artists else ""
        t.shown[key] = (track.title, lead, track.public_id)
        t.shown[track.album_key] = (track.album_title, lead, track.album_public_id)
        for artist_id, name, name_key, public_id in track.artists:
            t.shown.setdefault("ar:" + name_key, (name, "", public_id))
            t.artist_ids.setdefault("ar:" + name_key, artist_id)
        genres = [f"g:{g.casefold()}" for g in track.genres]
        for g, name in zip(genres, track.genres, strict=True):
            t.shown.setdefault(g, (name, "", None))
        return key, _Track(["ar:" + a[2] for a in track.artists], track.album_key, genres)
    artist, title = row.artist_name or "Unknown artist", row.track_name or "Unknown track"
    key, artist_key = "x:" + identity_key(artist, title), "ar:" + identity_key(artist)
    t.shown.setdefault(key, (title, artist, None))
    t.shown.setdefault(artist_key, (artist, "", None))
    t.artist_ids.setdefault(artist_key, None)
    album = None
    if row.release_name:
        album = "xa:" + identity_key(artist, row.release_name)
        t.shown.setdefault(album, (row.release_name, artist, None))
    return key, _Track([artist_key], album, [])


def _tally(rows: list[q.TrackRow], info: dict[int, q.TrackInfo]) -> _Tallies:
    """Per-track and per-bucket counts in one pass; artists, albums and genres then once per track.

    Written with plain dict operations: this loop sees one row per (bucket, track), tens of thousands
    for a heavy listener's decade.
    """
    t = _Tallies()
    links: dict[str, _Track] = {}
    seen: dict[object, tuple[str, _Track]] = {}
    tn, tms = t.tracks.listens, t.tracks.ms
    for row in rows:
        ident = row.track_id if row.track_id is not None else (row.artist_name, row.track_name, row.release_name)
        described = seen.get(ident)
        if described is None:
            described = seen[ident] = _describe(t, row, info)
            links.setdefault(*described)
        key, track = described
        n, ms = row.listens, row.ms
        tn[key] = tn.get(key, 0) + n
        tms[key] = tms.get(key, 0) + ms
        bucket = t.buckets.get(row.bucket)
        if bucket is None:
            bucket = t.buckets[row.bucket] = (Counter(), Counter(), Counter())
        bucket[0].add(key, n, ms)
        for a in track.artists:
            bucket[1].add(a, n, ms)
        for g in track.genres:
            bucket[2].add(g, n, ms)
    for key, n in tn.items():
        ms, track = tms[key], links[key]
        for a in track.artists:
            t.artists.add(a, n, ms)
        if track.album is not None:
            t.albums.add(track.album, n, ms)
        for g in track.genres:
            t.genres.add(g, n, ms)
    return t


def _clock(days: list[tuple[str, int, int]], hours: list[tuple[int, int]], snap: dict[str, object]) -> None:
    month, weekday, hour = [0] * 12, [0] * 7, [0] * 24
    per_day: dict[date, tuple[int, int]] = {}
    minutes_ms = 0
    for stamp, listens, ms in days:
        day = date.fromisoformat(stamp)
        month[day.month - 1] += listens
        weekday[day.weekday()] += listens
        minutes_ms += ms
        if listens:
            per_day[day] = (listens, ms)
    for h, listens in hours:
        hour[h] += listens
    snap.update(
        clock_month=month,
        clock_weekday=weekday,
        clock_hour=hour,
        minutes=minutes_ms // 60_000,
        days_listened=len(per_day),
        longest_streak=longest_streak(per_day),
        most_played_day=most_played_day(per_day),
    )


def _top_name(counter: Counter, shown: dict[str, Shown]) -> str | None:
    keys = counter.top_keys(shown, 1)
    return shown[keys[0]][0] if keys else None


def _story(t: _Tallies, period: Period) -> tuple[list[YearTop], list[Era]]:
    by_year = []
    for year in period.years:
        year_tracks = Counter()
        for label, (tracks, _, _) in t.buckets.items():
            if label.startswith(str(year)):
                for key, n in tracks.listens.items():
                    year_tracks.add(key, n, tracks.ms[key])
        top = year_tracks.ranked(t.shown, 1)
        by_year.append(YearTop(year, top[0] if top else None))
    eras = [
        Era(label, sum(tracks.listens.values()), _top_name(genres, t.shown), _top_name(artists, t.shown))
        for label, (tracks, artists, genres) in sorted(t.buckets.items())
    ]
    return by_year, eras


def _first_track(session: Session, *, user_id: int, period: Period, info: dict[int, q.TrackInfo]) -> FirstTrack | None:
    first = q.first_listen(session, user_id=user_id, period=period)
    if first is None:
        return None
    known = info.get(first.track_id) if first.track_id is not None else None
    name = known.title if known else (first.track_name or "Unknown track")
    by = known.artists[0][1] if known and known.artists else (first.artist_name or "")
    return FirstTrack(name, by, first.started_at.isoformat(), known.public_id if known else None)


def build_snapshot(
    session: Session, *, user_id: int, period: Period, now: datetime, listener_counts: ListenerCounts | None = None
) -> Snapshot:
    rows = q.track_buckets(session, user_id=user_id, period=period)
    info = q.track_info(session, user_id=user_id, period=period)
    t = _tally(rows, info)
    fields: dict[str, object] = {}
    _clock(
        q.day_totals(session, user_id=user_id, period=period),
        q.hour_of_day_listens(session, user_id=user_id, period=period),
        fields,
    )
    by_year, eras = _story(t, period)

    known_ids, known_names = q.artists_heard_before(session, user_id=user_id, before=period.start)
    known = {"ar:" + identity_key(n) for n in known_names}
    fresh = Counter()
    for key, aid in t.artist_ids.items():
        if (aid not in known_ids) if aid is not None else (key not in known):
            fresh.add(key, t.artists.listens[key], t.artists.ms[key])

    percent, listeners = None, 0
    top_artist = t.artists.top_keys(t.shown, 1)
    if top_artist:
        key = top_artist[0]
        counts_of = listener_counts or (
            lambda p, aid, name: q.artist_listeners(session, period=p, artist_id=aid, artist_name=name)
        )
        everyone = counts_of(period, t.artist_ids[key], t.shown[key][0])
        percent, listeners = top_percent(t.artists.listens[key], everyone), len(everyone)

    return Snapshot(
        period=period.label,
        kind=period.kind,
        built_at=now.isoformat(),
        listens=sum(t.tracks.listens.values()),
        top_artists=t.artists.ranked(t.shown),
        top_tracks=t.tracks.ranked(t.shown),
        top_albums=t.albums.ranked(t.shown),
        top_genres=t.genres.ranked(t.shown),
        top_track_by_year=by_year,
        new_artists=len(fresh.listens),
        new_artist_examples=fresh.ranked(t.shown, 5),
        first_track=_first_track(session, user_id=user_id, period=period, info=info),
        top_artist_percent=percent,
        top_artist_listeners=listeners,
        eras=eras,
        **fields,  # type: ignore[arg-type]
    )
