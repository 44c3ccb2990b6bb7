"""Assemble one listener's Snapshot for one period from the SQL aggregations in `_queries`."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from encore.catalog import identity_key
from encore.history import Play
from encore.insights import _queries as q
from encore.insights import _rollup_queries as rollups
from encore.insights import _year_tally as year_tally
from encore.insights._fanout import Tallies, tally
from encore.insights._period import Period
from encore.insights._snapshot import Era, FirstTrack, Snapshot, YearTop
from encore.insights._tally import Counter, Shown, longest_streak, most_played_day, top_percent
from encore.library import enough_listeners

# (period label, artist id or None, artist name) -> listens per listener; the batch shares one cache.
ListenerCounts = Callable[[Period, int | None, str], list[int]]


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


def _story(t: Tallies, period: Period) -> tuple[list[YearTop], list[Era]]:
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


def _first_track(first: Play | None, info: dict[int, q.TrackInfo]) -> FirstTrack | None:
    if first is None:
        return None
    known = info.get(first.track_id) if first.track_id is not None else None
    name = known.title if known else (first.track_name or "Unknown track")
    by = known.artists[0][1] if known and known.artists else (first.artist_name or "")
    return FirstTrack(name, by, first.started_at.isoformat(), known.public_id if known else None)


def _from_rows(
    session: Session, *, user_id: int, period: Period, info: dict[int, q.TrackInfo], source: Source
) -> tuple[Tallies, year_tally.Clock]:
    """One pass over the period's (bucket, track) rows: a year whose months are not kept, or the reference."""
    rows = source.track_buckets(session, user_id=user_id, period=period)
    missing = {row[1] for row in rows if row[1] is not None and row[1] not in info}
    if missing:
        info.update(q.track_info(session, ids=sorted(missing)))
    days = source.day_totals(session, user_id=user_id, period=period)
    return tally(rows, info), (days, source.hour_of_day_listens(session, user_id=user_id, period=period))


def _from_parts(
    session: Session,
    *,
    user_id: int,
    period: Period,
    info: dict[int, q.TrackInfo],
    also: set[int],
    refresh: bool,
    live: int | None,
) -> tuple[Tallies, year_tally.Clock, list[year_tally.Pending]] | None:
    """A decade merged from its years' stored tallies, a year from its months' (None: a past year whose
    months are not kept, read in one pass instead); names loaded only for the tracks that can be shown."""
    if period.kind == "decade":
        labels = [str(year) for year in period.years]
        tallies, built = year_tally.year_tallies(
            session, user_id=user_id, years=period.years, info=info, refresh=refresh, live=live
        )
    else:
        (year,) = period.years
        months = year_tally.year_of_months(session, user_id=user_id, year=year, info=info, refresh=refresh, live=live)
        if months is None:
            return None
        tallies, built = months
        labels = [f"{m // 100:04d}-{m % 100:02d}" for m in year_tally.months_of(year)]
    t = year_tally.merge(labels, tallies, info)
    wanted = year_tally.candidate_tracks(t, tallies)
    missing = sorted((wanted | also) - info.keys())
    if missing:
        info.update(q.track_info(session, ids=missing))
    if not refresh and not wanted <= info.keys():  # a track in a stored tally left the catalogue since
        return _from_parts(session, user_id=user_id, period=period, info=info, also=also, refresh=True, live=live)
    return t, year_tally.clock(tallies), built


def build_snapshot(
    session: Session,
    *,
    user_id: int,
    period: Period,
    now: datetime,
    listener_counts: ListenerCounts | None = None,
    catalogue: dict[int, q.TrackInfo] | None = None,
    source: Source = ROLLUPS,
    refresh: bool = False,
    keep: bool = True,
) -> Snapshot:
    """One listener's snapshot. `catalogue` is a track-info cache a batch shares across listeners (the
    catalogue does not change during a batch); tracks missing from it are loaded and added. Reads the
    rollups as they are: the caller folds the listener's marked months first (`fold_marked`).

    A decade read from the rollups merges its years' stored tallies (`_year_tally`), building and saving,
    in the caller's transaction, those a fold emptied; `refresh` builds them all again (an explicit rebuild:
    it also picks up catalogue edits since). The current year (the clock's, where plays land) is merged from
    month tallies, built where missing and kept, so a new play re-tallies one month; `keep=False` (a batch,
    read once) keeps none and reads a year without stored months in one pass. `source=PLAYS` is the one-scan
    reference the tests compare with."""
    info = {} if catalogue is None else catalogue
    first = q.first_listen(session, user_id=user_id, period=period)
    built: list[year_tally.Pending] = []
    parts = None
    if source is ROLLUPS:
        also = {first.track_id} if first is not None and first.track_id is not None else set()
        with year_tally.gc_paused():
            parts = _from_parts(
                session, user_id=user_id, period=period, info=info, also=also, refresh=refresh,
                live=now.year if keep else None,
            )  # fmt: skip
    if parts is not None:
        t, (days, hours), built = parts
    else:
        t, (days, hours) = _from_rows(session, user_id=user_id, period=period, info=info, source=source)
    fields: dict[str, object] = {}
    _clock(days, hours, fields)
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

    snapshot = Snapshot(
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
        first_track=_first_track(first, info),
        top_artist_percent=percent,
        top_artist_listeners=listeners,
        eras=eras,
        **fields,  # type: ignore[arg-type]
    )
    if built:
        year_tally.lock_listener(session, user_id)  # before the tallies' rows, as a fold takes it
    year_tally.save_all(session, user_id=user_id, pending=built)  # last: the write lock only for this
    return snapshot
