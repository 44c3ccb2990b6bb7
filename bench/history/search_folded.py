"""The history's word search on a long history, the text filter of main at 73e79b7d (each play's text and each
catalogue title lowered per search, `db.unicode_lower`) against the stored folded text of fix32b_1
(`plays.search_text`, `tracks.title_folded`, `artists.name_key`, compared with a plain LIKE); and the migration's
fill of those columns.

    python -m bench.history.search_folded [--url postgresql+psycopg://...] [--plays 100000] [--runs 15]

Without --url, a new SQLite file in a temporary directory; with it, an empty PostgreSQL database (the tables are
made by Encore's migrations, then dropped at the end). One listener with --plays plays over ten years: half of them
a player's (a catalogue track, no text of their own), half listens kept by text (60% matched to the catalogue,
40% unknown to it); 20 other listeners with 2,000 plays each; a catalogue of 20,000 tracks by 2,000 artists, some
names with accents. Each query is the history page's first page of 50 with its count (what the page asks first);
old and new alternate run by run, so both see the same load. Prints p50 / p95 of the wall time, the p50 of this process's CPU (SQLite's work included; PostgreSQL's not)
and how many plays each found.
The fill: both columns emptied, then the migration's `fill` timed over the whole database (wall, and this process's
CPU; on PostgreSQL the server's CPU is not in it).
"""

import argparse
import functools
import importlib.util
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

from sqlalchemy import ColumnElement, Engine, func, insert, or_, select, text
from sqlalchemy.orm import Session

from encore.accounts import create_user
from encore.catalog import Album, Artist, Track, TrackArtist, identity_key, sort_name
from encore.db import create_db_engine, make_sessionmaker, transaction, unicode_lower, upgrade_to_head
from encore.history import HistoryFilter, Play, browse_history, visible

WORDS = ["Love", "Night", "Été", "Straße", "Café", "Ciudad", "Corazón", "Любовь", "Ночь", "Αγάπη", "Νύχτα", "Rain",
         "Fire", "Heart", "Golden", "Señorita", "Crème", "Fjörd", "Blue", "Dance"]  # fmt: skip
ARTISTS = ["Beyoncé", "Björk", "Sigur Rós", "Mötley Crüe", "Кино", "Ελένη", "Zoë", "Die Ärzte", "Band", "Orchestra"]
QUERIES = ["love", "beyonce", "strasse", "ночь", "zzqx"]  # common, accents, ß, Cyrillic, nothing (all rows read)
OTHERS, OTHER_PLAYS, TRACKS, ARTIST_COUNT = 20, 2_000, 20_000, 2_000
T0 = datetime(2016, 1, 1, tzinfo=UTC)
PASSWORD = "bench-password-32"  # noqa: S105 - the benchmark's throwaway accounts


def _revision() -> ModuleType:
    path = Path(__file__).parents[2] / "src/encore/migrations/versions/0061_fix32b_history_search_text.py"
    spec = importlib.util.spec_from_file_location("fix32b_1", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seed(engine: Engine, plays: int) -> int:
    rng = random.Random(32)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        made = (create_user(s, username=f"bench{n}", password=PASSWORD) for n in range(OTHERS + 1))
        users = [u.id for u in made]
        names = [f"{rng.choice(ARTISTS)} {n}" for n in range(ARTIST_COUNT)]
        s.execute(insert(Artist), [{"public_id": f"ar{n:020d}", "name": name, "name_key": identity_key(name),
                                    "sort_name": sort_name(name)} for n, name in enumerate(names)])  # fmt: skip
        s.execute(insert(Album), [{"public_id": f"al{n:020d}", "title": f"Album {n}", "album_key": f"album {n}"}
                                  for n in range(ARTIST_COUNT)])  # fmt: skip
        titles = [f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}" for n in range(TRACKS)]
        s.execute(insert(Track), [{"public_id": f"tr{n:020d}", "album_id": n % ARTIST_COUNT + 1, "title": title,
                                   "duration_ms": 200_000, "audio_hash": f"h{n}"} for n, title in enumerate(titles)])  # fmt: skip
        s.execute(insert(TrackArtist), [{"track_id": n + 1, "artist_id": n % ARTIST_COUNT + 1, "position": 0}
                                        for n in range(TRACKS)])  # fmt: skip
    heavy = users[-1]
    for user, count in [*((u, OTHER_PLAYS) for u in users[:-1]), (heavy, plays)]:
        step = 10 * 365 * 86_400 / count
        for start in range(0, count, 10_000):
            rows = []
            for k in range(start, min(count, start + 10_000)):
                track = rng.randrange(TRACKS)
                row = {"user_id": user, "client_play_id": f"p{k:09d}", "started_at": T0 + timedelta(seconds=k * step),
                       "updated_at": T0, "ms_played": 200_000, "state": "ended", "is_listen": True}  # fmt: skip
                if k % 2:  # a listen kept by text: matched to the catalogue, or not
                    known = rng.random() < 0.6
                    row |= {"source": "listenbrainz", "artist_name": names[track % ARTIST_COUNT],
                            "track_name": titles[track] if known else f"{rng.choice(WORDS)} Unknown {k}",
                            "track_id": track + 1 if known else None}  # fmt: skip
                else:
                    row |= {"source": "web", "track_id": track + 1}
                rows.append(row)
            with transaction(sessions) as s:
                s.execute(insert(Play), rows)
    return heavy


def _old_text(typed: str) -> ColumnElement[bool]:
    """main at 73e79b7d's text filter (history/_browse.py), as it was."""
    escaped = typed.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    by_title = select(Track.id).where(unicode_lower(Track.title).like(pattern, escape="\\"))
    by_artist = (
        select(TrackArtist.track_id)
        .join(Artist, Artist.id == TrackArtist.artist_id)
        .where(unicode_lower(Artist.name).like(pattern, escape="\\"))
    )
    return or_(
        unicode_lower(Play.track_name).like(pattern, escape="\\"),
        unicode_lower(Play.artist_name).like(pattern, escape="\\"),
        Play.track_id.in_(by_title.union(by_artist)),
    )


def _old_page(s: Session, user: int, typed: str) -> int:
    where = [Play.user_id == user, visible(), _old_text(typed)]
    total = int(s.scalar(select(func.count()).where(*where)) or 0)
    s.scalars(select(Play).where(*where).order_by(Play.started_at.desc(), Play.client_play_id.desc()).limit(51)).all()
    return total


def _new_page(s: Session, user: int, typed: str) -> int:
    page = browse_history(s, user_id=user, flt=HistoryFilter(text=typed), cursor=None, limit=50)
    return page.total or 0


def _fill(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE plays SET search_text = NULL"))
        conn.execute(text("UPDATE tracks SET title_folded = NULL"))
    fill = _revision().fill
    with engine.begin() as conn:
        wall, cpu = time.perf_counter(), time.process_time()
        tracks, plays = fill(conn)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"fill: {tracks:,} tracks and {plays:,} text plays in {wall:.2f} s wall, {cpu:.2f} s of this process's CPU")
    print(f"      {wall / (tracks + plays) * 1e6:.1f} us wall a row")


def _timed(runs: int, reads: dict[str, Callable[[], int]]) -> None:
    """p50 / p95 of wall time and p50 of this process's CPU (on SQLite the database's work is in it too)."""
    times: dict[str, list[float]] = {label: [] for label in reads}
    cpu: dict[str, list[float]] = {label: [] for label in reads}
    found: dict[str, int] = {}
    for _ in range(runs):
        for label, read in reads.items():  # alternated: both see the same load
            t0, c0 = time.perf_counter(), time.process_time()
            found[label] = read()
            times[label].append((time.perf_counter() - t0) * 1000)
            cpu[label].append((time.process_time() - c0) * 1000)
    for label, spent in times.items():
        spent.sort()
        p95 = spent[min(len(spent) - 1, int(len(spent) * 0.95))]
        print(
            f"  {label:<4} p50 {statistics.median(spent):8.2f} ms   p95 {p95:8.2f} ms   "
            f"CPU p50 {statistics.median(cpu[label]):8.2f} ms   found {found[label]:,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a new SQLite file)")
    parser.add_argument(
        "--keep", type=Path, help="the SQLite file to write, kept afterwards (default: a temporary one)"
    )
    parser.add_argument("--plays", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(args.url or f"sqlite:///{args.keep or Path(tmp) / 'search.db'}")
        upgrade_to_head(engine)
        t0 = time.perf_counter()
        heavy = _seed(engine, args.plays)
        print(f"{engine.dialect.name}: seeded in {time.perf_counter() - t0:.0f} s; listener {heavy}: {args.plays:,}")
        _fill(engine)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        sessions = make_sessionmaker(engine)
        for typed in QUERIES:
            print(f"'{typed}', first page of 50 + count:")
            with sessions() as s:
                old = functools.partial(_old_page, s, heavy, typed)
                _timed(args.runs, {"old": old, "new": functools.partial(_new_page, s, heavy, typed)})
        if args.url:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()


if __name__ == "__main__":
    main()
