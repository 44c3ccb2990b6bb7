"""Years of believable listening for the demo listeners, so Wrapped has a story right after `make run`.

Each listener has a daily rhythm (commute, evening, weekend afternoons), listens in sessions, picks tracks
by a Zipf law over their own taste ranking, and drifts: each year favours a different genre and artist.
Pure generation from a seed, then one bulk insert per listener.
"""

import bisect
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from encore import history
from encore.catalog import Album, AlbumGenre, Genre, Track, TrackArtist, music_album, music_track
from encore.exclusives import Exclusive
from encore.history import Play, counts_as_listen

SOURCE = "demo"
_WEEKDAY_SESSIONS = ((7, 1.5, 0.55), (12, 1.0, 0.3), (18, 3.5, 0.8))  # start hour, spread, chance
_WEEKEND_SESSIONS = ((10, 2.0, 0.6), (15, 3.0, 0.7), (21, 2.0, 0.5))


@dataclass(frozen=True)
class DemoTrackRow:
    id: int
    album_id: int
    artist_id: int
    genre: str
    duration_ms: int


@dataclass(frozen=True)
class Listener:
    user_id: int
    seed: int
    daily_scale: float  # 1.0 is a heavy listener


def catalogue_rows(session: Session) -> list[DemoTrackRow]:
    genres = dict(
        session.execute(select(AlbumGenre.album_id, Genre.name).join(Genre, Genre.id == AlbumGenre.genre_id)).all()
    )
    lead = dict(
        session.execute(select(TrackArtist.track_id, TrackArtist.artist_id).where(TrackArtist.position == 0)).all()
    )
    rows = session.execute(
        select(Track.id, Track.album_id, Track.duration_ms)
        .join(Album, Album.id == Track.album_id)
        .where(
            music_track(),
            music_album(),  # never ad audio
            Album.availability == "public",  # nor what nobody could have played yet: pre-releases, exclusives
            or_(Track.availability.is_(None), Track.availability == "public"),
            ~Track.id.in_(select(Exclusive.track_id).where(Exclusive.track_id.is_not(None))),
        )
        .order_by(Track.id)
    ).all()
    return [DemoTrackRow(t, a, lead.get(t, 0), genres.get(a, "Other"), d) for t, a, d in rows]


def _year_weights(tracks: list[DemoTrackRow], rng: random.Random, years: list[int]) -> dict[int, list[float]]:
    """Cumulative weights per year: Zipf over a personal ranking, boosted for that year's genre and artist."""
    order = list(range(len(tracks)))
    rng.shuffle(order)
    zipf = [0.0] * len(tracks)
    for rank, i in enumerate(order):
        zipf[i] = 1.0 / (rank + 1) ** 1.05
    genres = sorted({t.genre for t in tracks})
    artists = sorted({t.artist_id for t in tracks})
    out = {}
    for year in years:
        genre, artist = rng.choice(genres), rng.choice(artists)
        weights = [
            z * (6.0 if t.genre == genre else 1.0) * (4.0 if t.artist_id == artist else 1.0)
            for z, t in zip(zipf, tracks, strict=True)
        ]
        out[year] = list(itertools.accumulate(weights))
    return out


def _session_starts(day: datetime, rng: random.Random, scale: float) -> Iterator[datetime]:
    weekend = day.weekday() >= 5
    for hour, spread, chance in _WEEKEND_SESSIONS if weekend else _WEEKDAY_SESSIONS:
        if rng.random() < chance * scale:
            offset = min(max(rng.gauss(hour, spread), 0.0), 23.5)
            yield day + timedelta(hours=offset)


@dataclass
class _Run:
    tracks: list[DemoTrackRow]
    listener: Listener
    rng: random.Random
    by_album: dict[int, list[int]]
    end: datetime
    serial: int = 0

    def session(self, at: datetime, cum: list[float]) -> Iterator[dict[str, object]]:
        """One listening session: an album straight through, or picks from the listener's taste."""
        rng = self.rng
        album_mode = rng.random() < 0.3
        pick = bisect.bisect(cum, rng.random() * cum[-1])
        queue = self.by_album[self.tracks[pick].album_id] if album_mode else []
        clock = at
        for n in range(max(1, int(rng.expovariate(1 / 9)))):
            index = queue[n % len(queue)] if album_mode else bisect.bisect(cum, rng.random() * cum[-1])
            track = self.tracks[index]
            skipped = rng.random() < 0.14
            ms = rng.randint(3_000, 25_000) if skipped else track.duration_ms
            if clock >= self.end:
                return
            self.serial += 1
            yield {
                "user_id": self.listener.user_id, "client_play_id": f"demo-{self.serial:08d}", "track_id": track.id,
                "started_at": clock, "updated_at": clock, "ms_played": ms, "state": "skipped" if skipped else "ended",
                "context_type": "album" if album_mode else rng.choice(("playlist", "search", "artist", "queue")),
                "device": "Encore web", "shuffle": not album_mode, "source": SOURCE,
                "is_listen": counts_as_listen(duration_ms=track.duration_ms, ms_played=ms),
            }  # fmt: skip
            clock += timedelta(milliseconds=ms + rng.randint(200, 4_000))


def generate(
    tracks: list[DemoTrackRow], listener: Listener, *, start: datetime, end: datetime
) -> Iterator[dict[str, object]]:
    """Play rows (as dicts for a bulk insert) from `start` to `end` for one listener; same seed, same rows."""
    rng = random.Random(listener.seed)
    weights = _year_weights(tracks, rng, list(range(start.year, end.year + 1)))
    by_album: dict[int, list[int]] = {}
    for i, t in enumerate(tracks):
        by_album.setdefault(t.album_id, []).append(i)
    run = _Run(tracks, listener, rng, by_album, end)
    day = start
    while day < end:
        for at in _session_starts(day, rng, listener.daily_scale):
            yield from run.session(at, weights[day.year])
        day += timedelta(days=1)


def has_demo_history(session: Session, *, user_id: int) -> bool:
    found = session.scalar(select(Play.id).where(Play.user_id == user_id, Play.source == SOURCE).limit(1))
    return found is not None


def insert_history(session: Session, rows: Iterator[dict[str, object]], *, batch: int = 20_000) -> int:
    total = 0
    while chunk := list(itertools.islice(rows, batch)):
        session.execute(insert(Play), chunk)
        # no insert trigger counts them on SQLite: the rows this statement wrote, under its write lock
        history.count_written(session.connection(), written=len(chunk))
        history.mark_plays(session, ((r["user_id"], r["started_at"]) for r in chunk))  # type: ignore[misc]
        total += len(chunk)
    return total


def history_start(now: datetime, years: int | None = None) -> datetime:
    """Jan 1 five years back, or the start of the decade if that is earlier: every recent year and the decade.
    With `years`, Jan 1 of the first of the last `years` years (this one included): a quicker, shorter demo."""
    first = min(now.year - 5, now.year // 10 * 10) if years is None else now.year - max(1, years) + 1
    return datetime(first, 1, 1, tzinfo=UTC)


def seed_listening(
    session_factory: Callable[[], Session], *, listeners: list[Listener], now: datetime, years: int | None = None
) -> tuple[int, int]:
    """Generate and insert history for listeners who have none yet. Returns (listeners seeded, plays)."""
    seeded = plays = 0
    with session_factory() as session:
        tracks = catalogue_rows(session)
    if not tracks:
        return 0, 0
    start = history_start(now, years)
    for listener in listeners:
        with session_factory() as session, session.begin():
            if has_demo_history(session, user_id=listener.user_id):
                continue
            plays += insert_history(session, generate(tracks, listener, start=start, end=now))
            seeded += 1
    return seeded, plays


def demo_periods(now: datetime, years: int | None = None) -> list[str]:
    """The Wrapped periods the demo builds ahead: each of the last five years (of the last `years`, if fewer)
    and this decade (when the history reaches its start)."""
    first, decade = history_start(now, years).year, now.year // 10 * 10
    recent = [str(y) for y in range(max(first, now.year - 4), now.year + 1)]
    return recent + ([f"{decade}s"] if first <= decade else [])
