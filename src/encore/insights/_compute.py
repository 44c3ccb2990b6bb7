"""Assemble one listener's Snapshot for one period from the SQL aggregations in `_queries`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from encore.catalog import identity_key
from encore.insights import _queries as q
from encore.insights._period import Period
from encore.insights._snapshot import Era, FirstTrack, Snapshot, YearTop
from encore.insights._tally import Counter, longest_streak, most_played_day, top_percent

# (period label, artist id or None, artist name) -> listens per listener; the batch shares one cache.
ListenerCounts = Callable[[Period, int | None, str], list[int]]


@dataclass
class _Tallies:
    tracks: Counter = field(default_factory=Counter)
    artists: Counter = field(default_factory=Counter)
    albums: Counter = field(default_factory=Counter)
    genres: Counter = field(default_factory=Counter)
    artist_ids: dict[str, int | None] = field(default_factory=dict)  # artist key -> catalogue id
    buckets: dict[str, "_Tallies"] = field(default_factory=dict)


def _tally(rows: list[q.TrackRow], info: dict[int, q.TrackInfo], tallies: _Tallies, *, per_bucket: bool) -> None:
    for row in rows:
        targets = [tallies]
        if per_bucket:
            targets.append(tallies.buckets.setdefault(row.bucket, _Tallies()))
        track = info.get(row.track_id) if row.track_id is not None else None
        for t in targets:
            _count(t, row, track)


def _count(t: _Tallies, row: q.TrackRow, track: q.TrackInfo | None) -> None:
    n, ms = row.listens, row.ms
    if track is not None:
        lead = track.artists[0][1] if track.artists else ""
        t.tracks.add(f"c:{row.track_id}", n, ms, (track.title, lead, track.public_id))
        t.albums.add(track.album_key, n, ms, (track.album_title, lead, track.album_public_id))
        for artist_id, name, key, public_id in track.artists:
            t.artists.add(key, n, ms, (name, "", public_id))
            t.artist_ids.setdefault(key, artist_id)
        for genre in track.genres:
            t.genres.add(genre.casefold(), n, ms, (genre, "", None))
        return
    artist, title = row.artist_name or "Unknown artist", row.track_name or "Unknown track"
    t.tracks.add("x:" + identity_key(artist, title), n, ms, (title, artist, None))
    key = identity_key(artist)
    t.artists.add(key, n, ms, (artist, "", None))
    t.artist_ids.setdefault(key, None)
    if row.release_name:
        t.albums.add("x:" + identity_key(artist, row.release_name), n, ms, (row.release_name, artist, None))


def _clock(hours: list[tuple[str, int, int]], snap: dict[str, object]) -> None:
    month, weekday, hour = [0] * 12, [0] * 7, [0] * 24
    per_day: dict[date, tuple[int, int]] = {}
    minutes_ms = 0
    for stamp, listens, ms in hours:
        day = date.fromisoformat(stamp[:10])
        month[day.month - 1] += listens
        weekday[day.weekday()] += listens
        hour[int(stamp[11:13])] += listens
        minutes_ms += ms
        if listens:
            seen = per_day.get(day, (0, 0))
            per_day[day] = (seen[0] + listens, seen[1] + ms)
    snap.update(
        clock_month=month,
        clock_weekday=weekday,
        clock_hour=hour,
        minutes=minutes_ms // 60_000,
        days_listened=len(per_day),
        longest_streak=longest_streak(per_day),
        most_played_day=most_played_day(per_day),
    )


def build_snapshot(
    session: Session, *, user_id: int, period: Period, now: datetime, listener_counts: ListenerCounts | None = None
) -> Snapshot:
    rows = q.track_buckets(session, user_id=user_id, period=period)
    info = q.track_info(session, {r.track_id for r in rows if r.track_id is not None})
    tallies = _Tallies()
    _tally(rows, info, tallies, per_bucket=True)
    fields: dict[str, object] = {}
    _clock(q.hour_totals(session, user_id=user_id, period=period), fields)

    by_year: list[YearTop] = []
    for year in period.years:
        year_tracks = Counter()
        for label, bucket in tallies.buckets.items():
            if label.startswith(str(year)):
                for key, n in bucket.tracks.listens.items():
                    year_tracks.add(key, n, bucket.tracks.ms[key], bucket.tracks.shown[key])
        top = year_tracks.ranked(1)
        by_year.append(YearTop(year, top[0] if top else None))

    eras = []
    for label in sorted(tallies.buckets):
        bucket = tallies.buckets[label]
        genre, artist = bucket.genres.ranked(1), bucket.artists.ranked(1)
        eras.append(
            Era(
                label,
                sum(bucket.tracks.listens.values()),
                genre[0].name if genre else None,
                artist[0].name if artist else None,
            )
        )

    known_ids, known_names = q.artists_heard_before(session, user_id=user_id, before=period.start)
    known = {identity_key(n) for n in known_names}
    new_keys = [
        k for k, aid in tallies.artist_ids.items() if (aid not in known_ids if aid is not None else k not in known)
    ]
    fresh = Counter()
    for key in new_keys:
        fresh.add(key, tallies.artists.listens[key], tallies.artists.ms[key], tallies.artists.shown[key])

    percent, listeners = None, 0
    top_artist = tallies.artists.top_key()
    if top_artist is not None:
        counts_of = listener_counts or (
            lambda p, aid, name: q.artist_listeners(session, period=p, artist_id=aid, artist_name=name)
        )
        everyone = counts_of(period, tallies.artist_ids[top_artist], tallies.artists.shown[top_artist][0])
        percent, listeners = top_percent(tallies.artists.listens[top_artist], everyone), len(everyone)

    first = q.first_listen(session, user_id=user_id, period=period)
    first_track = None
    if first is not None:
        known_track = info.get(first.track_id) if first.track_id is not None else None
        if first.track_id is not None and known_track is None:
            known_track = q.track_info(session, {first.track_id}).get(first.track_id)
        name = known_track.title if known_track else (first.track_name or "Unknown track")
        by = known_track.artists[0][1] if known_track and known_track.artists else (first.artist_name or "")
        first_track = FirstTrack(name, by, first.started_at.isoformat(), known_track.public_id if known_track else None)

    return Snapshot(
        period=period.label,
        kind=period.kind,
        built_at=now.isoformat(),
        listens=sum(tallies.tracks.listens.values()),
        top_artists=tallies.artists.ranked(),
        top_tracks=tallies.tracks.ranked(),
        top_albums=tallies.albums.ranked(),
        top_genres=tallies.genres.ranked(),
        top_track_by_year=by_year,
        new_artists=len(new_keys),
        new_artist_examples=fresh.ranked(5),
        first_track=first_track,
        top_artist_percent=percent,
        top_artist_listeners=listeners,
        eras=eras,
        **fields,  # type: ignore[arg-type]
    )
