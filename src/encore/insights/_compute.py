"""Assemble one listener's Snapshot for one period from the SQL aggregations in `_queries`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from encore.catalog import identity_key
from encore.insights import _queries as q
from encore.insights import _rollup_queries as rollups
from encore.insights._period import Period
from encore.insights._snapshot import Era, FirstTrack, Snapshot, YearTop
from encore.insights._tally import Counter, Shown, longest_streak, most_played_day, top_percent
from encore.library import enough_listeners

# (period label, artist id or None, artist name) -> listens per listener; the batch shares one cache.
ListenerCounts = Callable[[Period, int | None, str], list[int]]
Text = tuple[str | None, str | None, str | None]  # artist, track and release names of an uncatalogued listen
Ident = int | Text  # a catalogue track id, or the text of an uncatalogued track


class Source(Protocol):
    """Where the aggregations come from: the rollups (`_rollup_queries`, what Wrapped reads) or the raw
    plays (`_queries`, kept as the reference the rollups are tested against)."""

    def track_buckets(self, session: Session, *, user_id: int, period: Period) -> list[q.TrackRow]: ...
    def day_totals(self, session: Session, *, user_id: int, period: Period) -> list[tuple[str, int, int]]: ...
    def hour_of_day_listens(self, session: Session, *, user_id: int, period: Period) -> list[tuple[int, int]]: ...
    def artists_heard_before(
        self, session: Session, *, user_id: int, before: datetime
    ) -> tuple[set[int], set[str]]: ...
    def artist_listeners(
        self, session: Session, *, period: Period, artist_id: int | None, artist_name: str
    ) -> list[int]: ...


ROLLUPS: Source = rollups
PLAYS: Source = q


class _Shown(dict[str, Shown]):
    """Display fields by key. Catalogue tracks and albums are filled in on first lookup: ranking asks
    only for keys near the top, so a heavy listener's 15,000 tracks do not each build their fields."""

    def __init__(self, info: dict[int, q.TrackInfo]) -> None:
        super().__init__()
        self.info = info
        self.album_track: dict[str, int] = {}  # album key -> the track whose lead artist the album shows

    def __missing__(self, key: str) -> Shown:
        kind, _, rest = key.partition(":")
        if kind == "t":
            track = self.info[int(rest)]
            value: Shown = (track.title, track.artists[0][1] if track.artists else "", track.public_id)
        elif kind == "al":
            track = self.info[self.album_track[key]]
            value = (track.album_title, track.artists[0][1] if track.artists else "", track.album_public_id)
        else:
            raise KeyError(key)
        self[key] = value
        return value


@dataclass
class _Tallies:
    shown: _Shown
    tracks: Counter = field(default_factory=Counter)
    artists: Counter = field(default_factory=Counter)
    albums: Counter = field(default_factory=Counter)
    genres: Counter = field(default_factory=Counter)
    buckets: dict[str, tuple[Counter, Counter, Counter]] = field(default_factory=dict)  # tracks, artists, genres
    artist_ids: dict[str, int | None] = field(default_factory=dict)  # artist key -> catalogue id


def _describe(t: _Tallies, tid: int | None, text: Text) -> q.Links:
    """The keys of a tally entry, registering the shown fields of its artists and genres (and, for a
    text-only track, its own). Called once per distinct track, in the order tracks were first seen, so
    that the first-seen artist name and the last-seen album track win, as they always have.
    """
    track = t.shown.info.get(tid) if tid is not None else None
    shown, ids = t.shown, t.artist_ids
    if track is not None:
        shown.album_track[track.album_key] = tid  # type: ignore[assignment]
        links = track.links
        for a, (artist_id, name, _, public_id) in zip(links.artists, track.artists, strict=True):
            if a not in ids:
                ids[a] = artist_id
                shown.setdefault(a, (name, "", public_id))
        for g, name in zip(links.genres, track.genres, strict=True):
            if g not in shown:
                shown[g] = (name, "", None)
        return links
    artist, title = text[0] or "Unknown artist", text[1] or "Unknown track"
    key, artist_key = "x:" + identity_key(artist, title), "ar:" + identity_key(artist)
    shown.setdefault(key, (title, artist, None))
    shown.setdefault(artist_key, (artist, "", None))
    ids.setdefault(artist_key, None)
    album = None
    if text[2]:
        album = "xa:" + identity_key(artist, text[2])
        shown.setdefault(album, (text[2], artist, None))
    return q.Links(key, [artist_key], album, [])


def _tally(rows: list[q.TrackRow], info: dict[int, q.TrackInfo]) -> _Tallies:
    """Per-track totals and per-bucket counts from the (bucket, track) rows; each track described once.

    Written with plain dict operations: this loop sees one row per (bucket, track), tens of thousands
    for a heavy listener's decade.
    """
    t = _Tallies(_Shown(info))
    totals: dict[Ident, list[int]] = {}  # catalogue id, or the text of an uncatalogued track -> [n, ms]
    per_bucket: dict[str, list[tuple[Ident, int, int]]] = {}
    for b, tid, artist, title, release, n, ms in rows:
        ident = tid if tid is not None else (artist, title, release)
        total = totals.get(ident)
        if total is None:
            totals[ident] = [n, ms]
        else:
            total[0] += n
            total[1] += ms
        entries = per_bucket.get(b)
        if entries is None:
            entries = per_bucket[b] = []
        entries.append((ident, n, ms))
    described: dict[Ident, q.Links] = {}
    tn, tms = t.tracks.listens, t.tracks.ms
    an, ams, gn, gms, aln, alms = (
        t.artists.listens,
        t.artists.ms,
        t.genres.listens,
        t.genres.ms,
        t.albums.listens,
        t.albums.ms,
    )
    for ident, (n, ms) in totals.items():
        track = described[ident] = (
            _describe(t, ident, (None, None, None)) if isinstance(ident, int) else _describe(t, None, ident)
        )
        key = track.key
        tn[key] = tn.get(key, 0) + n
        tms[key] = tms.get(key, 0) + ms
        for k in track.artists:
            an[k] = an.get(k, 0) + n
            ams[k] = ams.get(k, 0) + ms
        if track.album is not None:
            aln[track.album] = aln.get(track.album, 0) + n
            alms[track.album] = alms.get(track.album, 0) + ms
        for k in track.genres:
            gn[k] = gn.get(k, 0) + n
            gms[k] = gms.get(k, 0) + ms
    for b, entries in per_bucket.items():
        tracks, artists, genres = t.buckets[b] = (Counter(), Counter(), Counter())
        btn, btms, ban, bams, bgn, bgms = (
            tracks.listens,
            tracks.ms,
            artists.listens,
            artists.ms,
            genres.listens,
            genres.ms,
        )
        for ident, n, ms in entries:
            track = described[ident]
            key = track.key
            btn[key] = btn.get(key, 0) + n
            btms[key] = btms.get(key, 0) + ms
            for k in track.artists:  # inlined: this runs once per (bucket, track, artist)
                ban[k] = ban.get(k, 0) + n
                bams[k] = bams.get(k, 0) + ms
            for k in track.genres:
                bgn[k] = bgn.get(k, 0) + n
                bgms[k] = bgms.get(k, 0) + ms
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
        within = [tracks for label, (tracks, _, _) in t.buckets.items() if label.startswith(str(year))]
        if period.kind == "year":
            year_tracks = t.tracks  # a year's buckets are its months: their sum is the period's tally
        elif len(within) == 1:
            year_tracks = within[0]  # a decade's buckets are its years
        else:
            year_tracks = Counter()
            for tracks in within:
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
    session: Session,
    *,
    user_id: int,
    period: Period,
    now: datetime,
    listener_counts: ListenerCounts | None = None,
    catalogue: dict[int, q.TrackInfo] | None = None,
    source: Source = ROLLUPS,
) -> Snapshot:
    """One listener's snapshot. `catalogue` is a track-info cache a batch shares across listeners (the
    catalogue does not change during a batch); tracks missing from it are loaded and added. Reads the
    rollups as they are: the caller folds the listener's marked months first (history.fold)."""
    rows = source.track_buckets(session, user_id=user_id, period=period)
    info = {} if catalogue is None else catalogue
    missing = {row[1] for row in rows if row[1] is not None and row[1] not in info}
    if missing:
        info.update(q.track_info(session, ids=sorted(missing)))
    t = _tally(rows, info)
    fields: dict[str, object] = {}
    _clock(
        source.day_totals(session, user_id=user_id, period=period),
        source.hour_of_day_listens(session, user_id=user_id, period=period),
        fields,
    )
    by_year, eras = _story(t, period)

    known_ids, known_names = source.artists_heard_before(session, user_id=user_id, before=period.start)
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
            lambda p, aid, name: source.artist_listeners(session, period=p, artist_id=aid, artist_name=name)
        )
        everyone = counts_of(period, t.artist_ids[key], t.shown[key][0])
        # a rank among two listeners tells each how much the other played (#15, hole 5's class)
        if enough_listeners(len(everyone)):
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
