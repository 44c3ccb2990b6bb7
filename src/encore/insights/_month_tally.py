"""A finished Wrapped tally per (listener, month), and a year's tally combined from its months' (issue #17).

A month's tally has the shape of a year's (`_year_tally.YearTally`), so a year's Wrapped merges its twelve
months exactly as a decade merges its ten years (`_year_tally.merge`: earliest part first, catalogue before
text; the argument is in `_year_tally`'s docstring, with "month" for "year"). A play folds into one month:
only that month is tallied again from its rollups, the other eleven are read back as stored.

A decade's parts are years, whose shown fields follow a different order: within one year a decade describes
its tracks by id (catalogue) or text key (text), whatever their month. So each shown field of a month also
keeps the order key of the track that described it (the track id, or the sha1 text key of an uncatalogued
listen), and `combine` keeps, per key, the field of the smallest order key over the year's months: the
field a one-pass tally of the year's rows gives, as the month holding that track described it first too.
"""

import itertools
from typing import Any

from sqlalchemy.orm import Session

from encore import history
from encore.insights import _queries as q
from encore.insights import _rollup_queries as rollups
from encore.insights._fanout import Ident, tally
from encore.insights._period import Period
from encore.insights._tally import Counter

YearTally = dict[str, Any]  # the JSON stored in wrapped_tallies.data (a year's or a month's); keys below
COUNTS = ("tracks", "artists", "albums", "genres")


def month_period(month: int) -> Period:
    """One month as a period whose one bucket is the month itself, as a year buckets it."""
    start, end = history.month_span(month)
    return Period(f"{month // 100:04d}-{month % 100:02d}", "year", start, end)


def counts(c: Counter) -> list[list[Any]]:
    """[keys, listens, ms] as parallel lists: each key stored once, and read back into dicts in C."""
    keys = list(c.listens)
    return [keys, [c.listens[k] for k in keys], [c.ms[k] for k in keys]]


def counter(stored: list[list[Any]]) -> Counter:
    keys, listens, ms = stored
    return Counter(dict(zip(keys, listens, strict=True)), dict(zip(keys, ms, strict=True)))


def total(parts: list[Counter]) -> Counter:
    """The sum of the parts' counters: every key set to 0 in C first, then plain `+=` (no `get` calls)."""
    listens = dict.fromkeys(itertools.chain.from_iterable(p.listens for p in parts), 0)
    ms = dict.fromkeys(listens, 0)
    for part in parts:
        for key, value in part.listens.items():
            listens[key] += value
        for key, value in part.ms.items():
            ms[key] += value
    return Counter(listens, ms)


def _orders(rows: list[q.TrackRow], links: dict[Ident, q.Links], text_keys: list[str]) -> dict[str, int | str]:
    """Each key's order key: that of the first row (in the order `tally` described them, `links`) whose
    track names it. A catalogue row's order is its track id, a text row's its text key (`text_keys`, in order)."""
    out: dict[str, int | str] = {}
    texts = iter(text_keys)
    for _, tid, artist, title, release, _, _ in rows:
        order: int | str
        if tid is not None:
            track, order = links[tid], tid
        else:
            track, order = links[(artist, title, release)], next(texts)
        for key in (track.key, *track.artists, track.album, *track.genres):
            if key is not None and key not in out:
                out[key] = order
    return out


def build(session: Session, *, user_id: int, period: Period, info: dict[int, q.TrackInfo]) -> YearTally:
    """The tally of one part (a month, or a year as a decade buckets it) from the rollups as they are.
    `info` is a track-info cache, filled as needed."""
    rows, text_keys = rollups.keyed_track_buckets(session, user_id=user_id, period=period)
    missing = sorted({row[1] for row in rows if row[1] is not None and row[1] not in info})
    if missing:
        info.update(q.track_info(session, ids=missing))
    by_phase = [[r for r in rows if r[1] is not None], [r for r in rows if r[1] is None]]
    # catalogue rows, then text rows: a longer period describes every catalogue track first
    phases = [tally(part, info, buckets=False) for part in by_phase]
    album_tracks: dict[str, list[int]] = {}
    for row in by_phase[0]:  # ordered by track id
        tid = row[1]
        track = info.get(tid) if tid is not None else None
        if tid is not None and track is not None:
            album_tracks.setdefault(track.album_key, []).append(tid)
    first = []
    for p, part, keys in zip(phases, by_phase, ([], text_keys), strict=True):
        order = _orders(part, p.links, keys)
        # dict.items: only the fields described, not the catalogue tracks and albums filled in lazily
        first.append({k: [*v, order[k]] for k, v in dict.items(p.shown) if not k.startswith(("t:", "al:"))})
    out: YearTally = {name: counts(total([getattr(p, name) for p in phases])) for name in COUNTS}
    out |= {
        "first": first,
        "ids": [p.artist_ids for p in phases],
        "album_tracks": album_tracks,
        "days": rollups.day_totals(session, user_id=user_id, period=period),
        "hours": rollups.hour_of_day_listens(session, user_id=user_id, period=period),
    }
    return out


def empty() -> YearTally:
    """What `build` gives for a part without plays."""
    nothing: list[list[Any]] = [[], [], []]
    return {
        "tracks": nothing, "artists": nothing, "albums": nothing, "genres": nothing, "first": [{}, {}],
        "ids": [{}, {}], "album_tracks": {}, "days": [], "hours": [],
    }  # fmt: skip


def combine(months: list[YearTally]) -> YearTally:
    """A year's tally, as `build` over the year's rollups gives it, from its months' (in order)."""
    out: YearTally = {name: counts(total([counter(m[name]) for m in months])) for name in COUNTS}
    first: list[dict[str, list[Any]]] = [{}, {}]
    ids: list[dict[str, int | None]] = [{}, {}]
    for phase in (0, 1):
        best, chosen = first[phase], ids[phase]
        for month in months:
            month_ids = month["ids"][phase]
            for key, value in month["first"][phase].items():
                held = best.get(key)
                if held is None or value[3] < held[3]:
                    best[key] = value
                    if key in month_ids:
                        chosen[key] = month_ids[key]
    albums: dict[str, list[int]] = {}
    for month in months:
        for album, tids in month["album_tracks"].items():
            albums.setdefault(album, []).extend(tids)
    hours: dict[int, int] = {}
    for month in months:
        for h, n in month["hours"]:
            hours[h] = hours.get(h, 0) + n
    out |= {
        "first": first,
        "ids": ids,
        "album_tracks": {album: sorted(set(tids)) for album, tids in albums.items()},
        "days": [day for month in months for day in month["days"]],
        "hours": sorted(hours.items()),
    }
    return out
